-- Leases a slot at each endpoint to one token, unless all its slots are taken (or, when asked, it is marked
-- slow): a batch's endpoints in one command, since a command per endpoint cost the delivery process more than
-- the script (docs/benchmarks.md). Leases expire, so the slots of a killed process come back on their own.
-- Returns 1 (leased) or 0 per endpoint, in order.
-- KEYS: (slots slow)...
--   per endpoint: its slots (a sorted set of lease tokens scored by expiry) and its slow mark
-- ARGV: now (ms), lease length (ms), token, '1' to refuse endpoints marked slow (a batch) or '0' (an endpoint's
--   own queue, which serves it while it is slow), then each endpoint's concurrency (its slots), in order
local now, lease_ms, token, refuse_slow = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4] == '1'
local granted = {}
for i = 1, #KEYS / 2 do
  local slots, slow, max = KEYS[2 * i - 1], KEYS[2 * i], tonumber(ARGV[4 + i])
  granted[i] = 0
  if not refuse_slow or redis.call('EXISTS', slow) == 0 then
    local taken = redis.call('ZCARD', slots)
    if taken >= max then -- full: unless some leases have expired
      redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
      taken = redis.call('ZCARD', slots)
    end
    if taken < max then
      redis.call('ZADD', slots, now + lease_ms, token)
      redis.call('PEXPIRE', slots, lease_ms)
      granted[i] = 1
    end
  end
end
return granted
