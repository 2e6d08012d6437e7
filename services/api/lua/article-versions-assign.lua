-- Assigns the next version of each article, or accepts the caller's if it is newer than any seen, unless the
-- content is the latest version's. Articles are handled in order, so an id given twice gets its versions in that
-- order. Returns a triple per article, [version, previous, state]: state 0 = assigned (publish it, then settle),
-- 1 = unchanged (published as `version` already), 2 = the same content is being published as `version` right now,
-- 3 = its publish as `version` failed: publish it as `version` again (then settle; previous is 0 if that was the
-- article's first publication); version -1 = stale.
--
-- Why 3 rather than a new version: a publish that failed may still reach Kafka (a send given up on at its deadline
-- can land later). Sending the same version again makes the retry harmless either way: a second copy of one version
-- is dropped downstream (the fanout's version check; the same webhook-id and partner key), where a new version
-- would reach every subscriber as an update of identical content, and an article's first publication would
-- arrive as an update of something never published.
--
-- KEYS: (version digest in-flight)...
--   the version counter, the digest of the latest version's content (set once its event is on Kafka), and
--   "digest version" of a publish in flight (expires with its lease)
-- ARGV: per article: wanted version (0 = next), content digest, lease in ms
local out = {}
for i = 0, #KEYS / 3 - 1 do
  local kv, kd, kf = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  local wanted, digest, lease = tonumber(ARGV[i * 3 + 1]), ARGV[i * 3 + 2], ARGV[i * 3 + 3]
  local last = tonumber(redis.call('GET', kv) or '0')
  local done = false
  if last > 0 and (wanted == 0 or wanted == last) then
    local flight = redis.call('GET', kf)
    local unsent = digest .. ' ' .. last .. ' unsent '
    if redis.call('GET', kd) == digest then table.insert(out, {last, last, 1}); done = true
    elseif flight == digest .. ' ' .. last then table.insert(out, {last, last, 2}); done = true
    elseif flight and string.sub(flight, 1, #unsent) == unsent then
      redis.call('SET', kf, digest .. ' ' .. last, 'PX', lease)
      table.insert(out, {last, string.sub(flight, #unsent + 1) == '1' and 0 or last, 3}); done = true
    end
  end
  if not done then
    if wanted == 0 then wanted = last + 1 end
    if wanted <= last then
      table.insert(out, {-1, last, 0})
    else
      redis.call('SET', kv, wanted)
      redis.call('DEL', kd)
      redis.call('SET', kf, digest .. ' ' .. wanted, 'PX', lease)
      table.insert(out, {wanted, last, 0})
    end
  end
end
return out
