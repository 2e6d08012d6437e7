-- Leases one of an endpoint's slots to a token, unless all are taken (or, for a batch, the endpoint is marked
-- slow). Leases expire, so the slots of a killed process come back on their own. Returns 1 (leased) or 0.
-- KEYS: slots slow
--   the endpoint's slots (a sorted set of lease tokens scored by expiry) and its slow mark
-- ARGV: now (ms), lease length (ms), token, '1' to refuse an endpoint marked slow (a batch) or '0' (its own
--   queue, which serves it while it is slow), the endpoint's concurrency (its slots)
local slots, slow = KEYS[1], KEYS[2]
local now, lease_ms, token, max = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[5])
if ARGV[4] == '1' and redis.call('EXISTS', slow) == 1 then return 0 end
local taken = redis.call('ZCARD', slots)
if taken >= max then -- full: unless some leases have expired
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  taken = redis.call('ZCARD', slots)
end
if taken >= max then return 0 end
redis.call('ZADD', slots, now + lease_ms, token)
redis.call('PEXPIRE', slots, lease_ms)
return 1
