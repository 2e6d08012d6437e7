-- Pushes each attempt onto its endpoint's list, keeps the newest (max length) and gives the list a fresh expiry,
-- for any number of endpoints in one command: every delivery records an attempt, and a batch's hundred
-- deliveries as a hundred commands (or MULTI … EXEC) cost the client more than the script.
-- KEYS: list...
--   one attempt list per attempt (an endpoint's may come more than once)
-- ARGV: max length, expiry in seconds, then the attempts (JSON), one per key in order
for i = 1, #KEYS do
  redis.call('LPUSH', KEYS[i], ARGV[2 + i])
  redis.call('LTRIM', KEYS[i], 0, tonumber(ARGV[1]) - 1)
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return #KEYS
