-- Files the stored version of an article into one more feed (a backfill), unless the store holds another version
-- or a withdrawal. Returns 1 if filed, else 0.
-- KEYS: item memberships feed
-- ARGV: version, id, score (publication time, ms), items kept per feed, slug
local current = redis.call('HGET', KEYS[1], 'version')
if not current or tonumber(current) ~= tonumber(ARGV[1]) or redis.call('HGET', KEYS[1], 'withdrawn') == '1' then return 0 end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[4]) + 1))
redis.call('SADD', KEYS[2], ARGV[5])
return 1
