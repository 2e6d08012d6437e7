import { EmbargoBreachError, type EnrichedArticle, underEmbargo } from '@syndicate/contracts';
import type { Redis } from 'ioredis';
import type { FeedItem } from './document.js';
import { paragraphsToHtml } from './xml-text.js';

export const ALL_FEED = 'all';

/**
 * Stores an article version unless the store already holds that version or a newer one, then files it in
 * the given feeds, takes it out of feeds it no longer belongs to, and clears any tombstone it left there.
 * One script, so a racing older version can never overwrite a newer one. Returns the slugs of every feed
 * that changed (none when the version was stale).
 * KEYS: item, memberships. ARGV: version, json, score, max items, key prefix, id, body HTML, slugs...
 */
const UPSERT = `
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) >= tonumber(ARGV[1]) then return {} end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'json', ARGV[2], 'html', ARGV[7], 'withdrawn', '0')
local prefix, id, max = ARGV[5], ARGV[6], tonumber(ARGV[4])
local wanted, changed = {}, {}
for i = 8, #ARGV do wanted[ARGV[i]] = true end
for _, slug in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not wanted[slug] then
    redis.call('ZREM', prefix .. 'feed:' .. slug, id)
    table.insert(changed, slug)
  end
end
redis.call('DEL', KEYS[2])
for i = 8, #ARGV do
  local slug = ARGV[i]
  local feed = prefix .. 'feed:' .. slug
  redis.call('ZADD', feed, ARGV[3], id)
  redis.call('ZREMRANGEBYRANK', feed, 0, -(max + 1))
  redis.call('ZREM', prefix .. 'tomb:' .. slug, id)
  redis.call('SADD', KEYS[2], slug)
  table.insert(changed, slug)
end
return changed
`;

/**
 * Marks an article withdrawn (unless a newer version is stored), takes it out of every feed and leaves a
 * tombstone there (for Atom's deleted-entry). Returns the slugs of the feeds that changed.
 * KEYS: item, memberships. ARGV: version, key prefix, id, withdrawn-at (ms), max tombstones.
 */
const WITHDRAW = `
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) > tonumber(ARGV[1]) then return {} end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'withdrawn', '1', 'withdrawnAt', ARGV[4])
local prefix, id = ARGV[2], ARGV[3]
local changed = redis.call('SMEMBERS', KEYS[2])
for _, slug in ipairs(changed) do
  redis.call('ZREM', prefix .. 'feed:' .. slug, id)
  local tombs = prefix .. 'tomb:' .. slug
  redis.call('ZADD', tombs, ARGV[4], id)
  redis.call('ZREMRANGEBYRANK', tombs, 0, -(tonumber(ARGV[5]) + 1))
end
redis.call('DEL', KEYS[2])
return changed
`;

/**
 * Files the stored version of an article into one more feed (a backfill), unless the store holds a newer
 * version or a withdrawal. KEYS: item, memberships. ARGV: version, key prefix, id, score, max items, slug.
 */
const FILE = `
local current = redis.call('HGET', KEYS[1], 'version')
if not current or tonumber(current) ~= tonumber(ARGV[1]) or redis.call('HGET', KEYS[1], 'withdrawn') == '1' then return 0 end
local feed = ARGV[2] .. 'feed:' .. ARGV[6]
redis.call('ZADD', feed, ARGV[4], ARGV[3])
redis.call('ZREMRANGEBYRANK', feed, 0, -(tonumber(ARGV[5]) + 1))
redis.call('SADD', KEYS[2], ARGV[6])
return 1
`;

export interface FeedStoreOptions {
  redis: Redis;
  keyPrefix: string;
  /** Items kept per feed; older ones fall off the end (archive pages reach back this far). */
  maxItemsPerFeed?: number;
}

export interface Tombstone {
  id: string;
  withdrawnAt: string;
}

export interface FeedPage {
  items: FeedItem[];
  /** Recently withdrawn articles of this feed, newest first. */
  tombstones: Tombstone[];
  /** Publication time (ms) of the oldest item on the page, when older items exist: the next archive page. */
  olderThan?: number;
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

  /**
   * Stores the article in the given feeds and, unless `inAll` is false (an article only partner-only feeds
   * match), in `all`. Returns the feeds that changed; none if the version was stale. An article under
   * embargo is refused: nothing embargoed ever reaches a feed, an archive page or a WebSub push.
   */
  async put(record: EnrichedArticle, feedSlugs: string[], { inAll = true } = {}): Promise<string[]> {
    const { article } = record;
    if (underEmbargo(article)) throw new EmbargoBreachError(article.id, 'feeds', article.embargoUntil);
    return (await this.redis.eval(
      UPSERT,
      2,
      this.itemKey(article.id),
      this.membershipKey(article.id),
      article.version,
      JSON.stringify(record),
      Date.parse(article.publishedAt),
      this.maxItems,
      this.prefix,
      article.id,
      paragraphsToHtml(article.body),
      ...new Set(inAll ? [ALL_FEED, ...feedSlugs] : feedSlugs),
    )) as string[];
  }

  /**
   * Adds an article to one more feed, for a backfill: only the version the store holds, and not once it is
   * withdrawn. A version the store has not reached yet is left to live fan-out, which files it in every
   * feed it matches, this one included.
   */
  async file(record: EnrichedArticle, slug: string): Promise<boolean> {
    const { article } = record;
    if (underEmbargo(article)) throw new EmbargoBreachError(article.id, 'feeds', article.embargoUntil);
    const filed = await this.redis.eval(
      FILE,
      2,
      this.itemKey(article.id),
      this.membershipKey(article.id),
      article.version,
      this.prefix,
      article.id,
      Date.parse(article.publishedAt),
      this.maxItems,
      slug,
    );
    return filed === 1;
  }

  /**
   * Forgets a feed's items and tombstones (its articles stay in the store and in their other feeds): a feed
   * deleted, or a slug taken again, must not show what the feed held before (a partner-only feed's
   * exclusives under a public feed of the same name).
   */
  async removeFeed(slug: string): Promise<void> {
    const feedKey = `${this.prefix}feed:${slug}`;
    const ids = await this.redis.zrange(feedKey, 0, -1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.srem(this.membershipKey(id), slug);
    pipeline.del(feedKey, `${this.prefix}tomb:${slug}`);
    await pipeline.exec();
  }

  /** Returns the feeds that changed; none if a newer version is stored. */
  async withdraw(id: string, version: number, withdrawnAt = new Date()): Promise<string[]> {
    return (await this.redis.eval(
      WITHDRAW,
      2,
      this.itemKey(id),
      this.membershipKey(id),
      version,
      this.prefix,
      id,
      withdrawnAt.getTime(),
      this.maxItems,
    )) as string[];
  }

  /** Just the stored version number (a withdrawal counts), or null: cheap enough for every delivery. */
  async version(id: string): Promise<number | null> {
    const version = await this.redis.hget(this.itemKey(id), 'version');
    return version === null ? null : Number(version);
  }

  /** The stored version of an article, withdrawn or not; null if never seen. */
  async get(id: string): Promise<{ record: EnrichedArticle | null; version: number; withdrawn: boolean } | null> {
    const [version, json, withdrawn] = await this.redis.hmget(this.itemKey(id), 'version', 'json', 'withdrawn');
    if (version === null) return null;
    return { version: Number(version), record: json ? (JSON.parse(json) as EnrichedArticle) : null, withdrawn: withdrawn === '1' };
  }

  /** The newest items of a feed, newest first. */
  async list(slug: string, limit = 50): Promise<FeedItem[]> {
    return (await this.page(slug, { limit })).items;
  }

  /**
   * One page of a feed, newest first: the current page, or with `olderThan` (ms) an archive page of the
   * items published before that time.
   */
  async page(slug: string, { limit, olderThan }: { limit: number; olderThan?: number }): Promise<FeedPage> {
    const feedKey = `${this.prefix}feed:${slug}`;
    const max = olderThan === undefined ? '+inf' : `(${olderThan}`;
    const [rows, tombRows] = await Promise.all([
      this.redis.zrevrangebyscore(feedKey, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1),
      olderThan === undefined ? this.redis.zrevrange(`${this.prefix}tomb:${slug}`, 0, limit - 1, 'WITHSCORES') : Promise.resolve([]),
    ]);
    const ids: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i < rows.length; i += 2) {
      ids.push(rows[i] as string);
      scores.push(Number(rows[i + 1]));
    }
    const hasOlder = ids.length > limit;
    const pageIds = ids.slice(0, limit);
    const items = await this.records(pageIds);
    const tombstones: Tombstone[] = [];
    for (let i = 0; i < tombRows.length; i += 2) {
      tombstones.push({ id: tombRows[i] as string, withdrawnAt: new Date(Number(tombRows[i + 1])).toISOString() });
    }
    return { items, tombstones, olderThan: hasOlder ? scores[limit - 1] : undefined };
  }

  /**
   * The archive page boundary that serves `before`: the publication time of the oldest item at or after it
   * (the page of items older than `before` holds the same items), or null when no item is that new. Archive
   * links carry such times already; any other value maps onto one, so arbitrary `?before=` values cannot
   * make a render (and a cache entry) each.
   */
  async archiveBoundary(slug: string, before: number): Promise<number | null> {
    const [, score] = await this.redis.zrangebyscore(`${this.prefix}feed:${slug}`, before, '+inf', 'WITHSCORES', 'LIMIT', 0, 1);
    return score === undefined ? null : Number(score);
  }

  private async records(ids: string[]): Promise<FeedItem[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.itemKey(id), 'json', 'html');
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([error, fields]) => {
      const [json, html] = (fields ?? []) as Array<string | null>;
      if (error || !json) return [];
      return [{ ...(JSON.parse(json) as EnrichedArticle), ...(html ? { bodyHtml: html } : {}) }];
    });
  }
}
