-- Ends publishes in flight. A published version that is still the latest becomes the one identical content is
-- compared with; a failed one is marked unsent, so that identical content publishes it again (state 3 of
-- article-versions-assign.lua).
-- KEYS: (version digest in-flight)...
--   as in article-versions-assign.lua, three per article
-- ARGV: per article: digest, version, 1 if its event is on Kafka, 1 if it was the article's first publication;
--   last, how long a failed one is remembered in ms
local remember = ARGV[#ARGV]
for i = 0, #KEYS / 3 - 1 do
  local kv, kd, kf = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  local digest, version, published, first = ARGV[i * 4 + 1], ARGV[i * 4 + 2], ARGV[i * 4 + 3], ARGV[i * 4 + 4]
  local flight = digest .. ' ' .. version
  if published == '1' then
    if redis.call('GET', kv) == version then redis.call('SET', kd, digest) end
    if redis.call('GET', kf) == flight then redis.call('DEL', kf) end
  elseif redis.call('GET', kf) == flight then
    redis.call('SET', kf, flight .. ' unsent ' .. first, 'PX', remember)
  end
end
return 0
