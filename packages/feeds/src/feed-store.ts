import type { EnrichedArticle } from '@syndicate/contracts';
import type { Redis } from 'ioredis';

export const ALL_FEED = 'all';

/**
 * Stores an article version unless the store already holds that version or a newer one, then files it in
 * the given feeds (and takes it out of feeds it no longer belongs to). One script, so a racing older
 * version can never overwrite a newer one. KEYS: item, memberships; ARGV: version, json, score, max items,
 * feed key prefix, then the feed slugs.
 */
const UPSERT = `
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'json', ARGV[2], 'withdrawn', '0')
local id = ARGV[6]
local wanted = {}
for i = 7, #ARGV do wanted[ARGV[i]] = true end
for _, slug in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not wanted[slug] then redis.call('ZREM', ARGV[5] .. slug, id) end
end
redis.call('DEL', KEYS[2])
for i = 7, #ARGV do
  local feed = ARGV[5] .. ARGV[i]
  redis.call('ZADD', feed, ARGV[3], id)
  redis.call('ZREMRANGEBYRANK', feed, 0, -(tonumber(ARGV[4]) + 1))
  redis.call('SADD', KEYS[2], ARGV[i])
end
return 1
`;

/** Marks an article withdrawn (unless a newer version is stored) and takes it out of every feed. */
const WITHDRAW = `
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'withdrawn', '1')
for _, slug in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('ZREM', ARGV[2] .. slug, ARGV[3]) end
redis.call('DEL', KEYS[2])
return 1
`;

export interface FeedStoreOptions {
  redis: Redis;
  keyPrefix: string;
  /** Items kept per feed; older ones fall off the end. */
  maxItemsPerFeed?: number;
}

/** Feed contents in Redis: one hash per article (latest version) and one sorted set per feed, newest first. */
export class FeedStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxItems: number;

  constructor(options: FeedStoreOptions) {
    this.redis = options.redis;
    this.prefix = `${options.keyPrefix}feeds:`;
    this.maxItems = options.maxItemsPerFeed ?? 500;
  }

  private itemKey = (id: string) => `${this.prefix}item:${id}`;
  private membershipKey = (id: string) => `${this.prefix}in:${id}`;
  private feedKeyPrefix = () => `${this.prefix}feed:`;

  /** Returns false when a newer (or the same) version was already stored: nothing changed. */
  async put(record: EnrichedArticle, feedSlugs: string[]): Promise<boolean> {
    const { article } = record;
    const score = Date.parse(article.publishedAt);
    const stored = await this.redis.eval(
      UPSERT,
      2,
      this.itemKey(article.id),
      this.membershipKey(article.id),
      article.version,
      JSON.stringify(record),
      score,
      this.maxItems,
      this.feedKeyPrefix(),
      article.id,
      ...new Set([ALL_FEED, ...feedSlugs]),
    );
    return stored === 1;
  }

  async withdraw(id: string, version: number): Promise<boolean> {
    const done = await this.redis.eval(WITHDRAW, 2, this.itemKey(id), this.membershipKey(id), version, this.feedKeyPrefix(), id);
    return done === 1;
  }

  /** The stored version of an article, withdrawn or not; null if never seen. */
  async get(id: string): Promise<{ record: EnrichedArticle | null; version: number; withdrawn: boolean } | null> {
    const [version, json, withdrawn] = await this.redis.hmget(this.itemKey(id), 'version', 'json', 'withdrawn');
    if (version === null) return null;
    return { version: Number(version), record: json ? (JSON.parse(json) as EnrichedArticle) : null, withdrawn: withdrawn === '1' };
  }

  /** The newest items of a feed, newest first. */
  async list(slug: string, limit = 50): Promise<EnrichedArticle[]> {
    const ids = await this.redis.zrevrange(`${this.feedKeyPrefix()}${slug}`, 0, limit - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.itemKey(id), 'json');
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([error, json]) => (error || typeof json !== 'string' ? [] : [JSON.parse(json) as EnrichedArticle]));
  }
}
