-- Gives back the slots one lease token holds at these endpoints: a batch's in one command.
-- KEYS: slots...
--   per endpoint: its slots (a sorted set of lease tokens)
-- ARGV: the token
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return #KEYS
