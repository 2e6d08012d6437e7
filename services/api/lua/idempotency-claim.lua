-- Returns the record kept for an Idempotency-Key, or claims the key for this request and returns false: a check
-- and a claim in one step, so two requests with one key never both run.
-- KEYS: record
-- ARGV: the running request's record, how long the claim holds (ms)
local stored = redis.call('GET', KEYS[1])
if stored then return stored end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
