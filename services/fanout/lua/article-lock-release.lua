-- Releases an article's lock if it is still this holder's: one that held it past its expiry must not free the
-- lock another instance has taken since.
-- KEYS: lock
-- ARGV: token (the holder's)
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
