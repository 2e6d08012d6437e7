-- Stores an article version unless the store already holds that version or a newer one, then files it in the
-- feeds it is wanted in, takes it out of feeds it no longer belongs to, and clears any tombstone it left in
-- them. One script, so a racing older version can never overwrite a newer one. Returns the slugs of every feed
-- that changed (none when the version was stale), or false when the article is in a feed the caller did not
-- pass: the caller read its memberships before another write changed them, and reads them again.
-- KEYS: item memberships (feed tombstones)...
--   the article's hash, the set of slugs of the feeds it is in, then for every feed it is in or is wanted in,
--   the feed (sorted set by publication time) and its tombstones (sorted set by withdrawal time)
-- ARGV: version, record (JSON), score (publication time, ms), items kept per feed, id, body HTML, then per feed
--   of KEYS: its slug and 1 if the article is wanted in it, else 0
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) >= tonumber(ARGV[1]) then return {} end
local given, member = {}, {}
for i = 7, #ARGV, 2 do given[ARGV[i]] = true end
for _, slug in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not given[slug] then return false end
  member[slug] = true
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'json', ARGV[2], 'html', ARGV[6], 'withdrawn', '0')
local id, max, changed = ARGV[5], tonumber(ARGV[4]), {}
local feeds = (#KEYS - 2) / 2
for n = 0, feeds - 1 do
  local slug = ARGV[7 + n * 2]
  if ARGV[8 + n * 2] ~= '1' and member[slug] then
    redis.call('ZREM', KEYS[3 + n * 2], id)
    table.insert(changed, slug)
  end
end
redis.call('DEL', KEYS[2])
for n = 0, feeds - 1 do
  local feed, tombs, slug = KEYS[3 + n * 2], KEYS[4 + n * 2], ARGV[7 + n * 2]
  if ARGV[8 + n * 2] == '1' then
    redis.call('ZADD', feed, ARGV[3], id)
    redis.call('ZREMRANGEBYRANK', feed, 0, -(max + 1))
    redis.call('ZREM', tombs, id)
    redis.call('SADD', KEYS[2], slug)
    table.insert(changed, slug)
  end
end
return changed
