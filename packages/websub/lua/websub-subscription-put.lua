-- Stores a verified subscription unless that would break one of the hub's bounds: the check and the write in one
-- step, so racing verifications cannot together pass a bound. Expired leases are dropped first, so they never
-- count; a renewal (the callback still live on the topic) is never refused. Returns 'ok' or the bound that refused
-- it ('topic', 'host' or 'total').
-- KEYS: records topic-live host-live all-live
--   the topic's records (a hash by callback), then the live subscriptions (sorted sets scored by lease end) of the
--   topic, of the callback's host and of the whole hub
-- ARGV: callback, member (topic and callback), record, lease end (ms), now (ms), then the three bounds
local now = tonumber(ARGV[5])
for i = 2, 4 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now) end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then return 'topic' end
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[7]) then return 'host' end
  if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[8]) then return 'total' end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2])
return 'ok'
