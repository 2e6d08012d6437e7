-- Marks an article withdrawn (unless a newer version is stored), takes it out of every feed it is in and leaves
-- a tombstone there (for Atom's deleted-entry). Returns the slugs of the feeds that changed, or false when the
-- article is in a feed the caller did not pass (it reads its memberships again).
-- KEYS: item memberships (feed tombstones)...
--   the article's hash, the set of slugs of the feeds it is in, then the feed and its tombstones for every feed
--   the caller read it to be in
-- ARGV: version, withdrawn at (ms), tombstones kept per feed, id, then the slug of each feed of KEYS
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) > tonumber(ARGV[1]) then return {} end
local given, member = {}, {}
for i = 5, #ARGV do given[ARGV[i]] = true end
for _, slug in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not given[slug] then return false end
  member[slug] = true
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'withdrawn', '1', 'withdrawnAt', ARGV[2])
local id, changed = ARGV[4], {}
for n = 0, (#KEYS - 2) / 2 - 1 do
  local slug = ARGV[5 + n]
  if member[slug] then
    local tombs = KEYS[4 + n * 2]
    redis.call('ZREM', KEYS[3 + n * 2], id)
    redis.call('ZADD', tombs, ARGV[2], id)
    redis.call('ZREMRANGEBYRANK', tombs, 0, -(tonumber(ARGV[3]) + 1))
    table.insert(changed, slug)
  end
end
redis.call('DEL', KEYS[2])
return changed
