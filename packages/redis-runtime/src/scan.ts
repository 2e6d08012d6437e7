import type { Redis } from 'ioredis';

/** Redis MATCH treats these as pattern characters: a key name used as a literal escapes them. */
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The keys named `name` — every key starting with it when `family` (the default), else that one key — a SCAN
 * batch at a time, never KEYS (which blocks Redis on a large keyspace). `name` is a literal: a key prefix may
 * hold `*`, `?`, `[` or `\`. A batch may be empty; a key renamed or deleted meanwhile may or may not show.
 */
export async function* scanKeys(redis: Redis, name: string, { family = true, count = 500 } = {}): AsyncGenerator<string[]> {
  const pattern = family ? `${escapeGlob(name)}*` : escapeGlob(name);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    yield keys;
  } while (cursor !== '0');
}
