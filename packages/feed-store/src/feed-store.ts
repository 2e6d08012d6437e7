import { EmbargoBreachError, type EnrichedArticle, underEmbargo } from '@syndicate/contracts';
import { ALL_FEED, type FeedItem, type FeedPage, type FeedSource, paragraphsToHtml, type Tombstone } from '@syndicate/feeds';
import { luaScript, type Redis } from '@syndicate/redis-runtime';

/** The scripts say what each does; false from UPSERT or WITHDRAW: memberships changed since read, read again. */
const UPSERT = luaScript<string[] | null>('@syndicate/feed-store/lua/feed-upsert.lua');
const WITHDRAW = luaScript<string[] | null>('@syndicate/feed-store/lua/feed-withdraw.lua');
const FILE = luaScript<number>('@syndicate/feed-store/lua/feed-file.lua');

/** How often a write reads an article's memberships again because another write changed them meanwhile. */
const MAX_MEMBERSHIP_READS = 10;

export interface FeedStoreOptions {
  redis: Redis;
  keyPrefix: string;
  /** Items kept per feed; older ones fall off the end (archive pages reach back this far). */
  maxItemsPerFeed?: number;
}

/**
 * Feed contents in Redis: one hash per article (latest version) and one sorted set per feed, newest first. Every
 * key of the store shares one hash tag ({feeds}): a write touches an article and the feeds it is in at once, in
 * one script, so on a Redis Cluster the store is one slot.
 */
export class FeedStore implements FeedSource {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxItems: number;

  constructor(options: FeedStoreOptions) {
    this.redis = options.redis;
    this.prefix = `${options.keyPrefix}{feeds}:`;
    this.maxItems = options.maxItemsPerFeed ?? 500;
  }

  private itemKey = (id: string) => `${this.prefix}item:${id}`;
  private membershipKey = (id: string) => `${this.prefix}in:${id}`;
  private feedKey = (slug: string) => `${this.prefix}feed:${slug}`;
  private tombKey = (slug: string) => `${this.prefix}tomb:${slug}`;

  /**
   * Runs a script that takes an article's item and memberships keys and, for each feed, its two keys and
   * arguments, over the feeds the article is in now (read first: a script is given every key it touches) and
   * those `wanted`; again if another write changed its memberships between the read and the script.
   */
  private async withMemberships(
    id: string,
    wanted: string[],
    run: (keys: string[], feeds: Array<{ slug: string; wanted: boolean }>) => Promise<string[] | null>,
  ): Promise<string[]> {
    for (let read = 1; ; read++) {
      const current = await this.redis.smembers(this.membershipKey(id));
      const want = new Set(wanted);
      // Feeds it leaves first, then those it is filed in: the order the changes are reported in.
      const feeds = [
        ...current.filter((slug) => !want.has(slug)).map((slug) => ({ slug, wanted: false })),
        ...[...want].map((slug) => ({ slug, wanted: true })),
      ];
      const keys = [this.itemKey(id), this.membershipKey(id), ...feeds.flatMap(({ slug }) => [this.feedKey(slug), this.tombKey(slug)])];
      const changed = await run(keys, feeds);
      if (changed !== null) return changed;
      if (read >= MAX_MEMBERSHIP_READS) throw new Error(`the feeds of article ${id} kept changing under ${read} writes`);
    }
  }

  /**
   * Stores the article in the given feeds and, unless `inAll` is false (an article only partner-only feeds
   * match), in `all`. Returns the feeds that changed; none if the version was stale. An article under
   * embargo is refused: nothing embargoed ever reaches a feed, an archive page or a WebSub push.
   */
  async put(record: EnrichedArticle, feedSlugs: string[], { inAll = true } = {}): Promise<string[]> {
    const { article } = record;
    if (underEmbargo(article)) throw new EmbargoBreachError(article.id, 'feeds', article.embargoUntil);
    const html = paragraphsToHtml(article.body);
    return this.withMemberships(article.id, inAll ? [ALL_FEED, ...feedSlugs] : feedSlugs, (keys, feeds) =>
      UPSERT.run(this.redis, keys, [
        article.version,
        JSON.stringify(record),
        Date.parse(article.publishedAt),
        this.maxItems,
        article.id,
        html,
        ...feeds.flatMap(({ slug, wanted }) => [slug, wanted ? 1 : 0]),
      ]),
    );
  }

  /**
   * Adds an article to one more feed, for a backfill: only the version the store holds, and not once it is
   * withdrawn. A version the store has not reached yet is left to live fan-out, which files it in every
   * feed it matches, this one included.
   */
  async file(record: EnrichedArticle, slug: string): Promise<boolean> {
    const { article } = record;
    if (underEmbargo(article)) throw new EmbargoBreachError(article.id, 'feeds', article.embargoUntil);
    const filed = await FILE.run(
      this.redis,
      [this.itemKey(article.id), this.membershipKey(article.id), this.feedKey(slug)],
      [article.version, article.id, Date.parse(article.publishedAt), this.maxItems, slug],
    );
    return filed === 1;
  }

  /**
   * Forgets a feed's items and tombstones (its articles stay in the store and in their other feeds): a feed
   * deleted, or a slug taken again, must not show what the feed held before (a partner-only feed's
   * exclusives under a public feed of the same name).
   */
  async removeFeed(slug: string): Promise<void> {
    const feedKey = this.feedKey(slug);
    const ids = await this.redis.zrange(feedKey, 0, -1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.srem(this.membershipKey(id), slug);
    pipeline.del(feedKey, this.tombKey(slug));
    await pipeline.exec();
  }

  /** Returns the feeds that changed; none if a newer version is stored. */
  async withdraw(id: string, version: number, withdrawnAt = new Date()): Promise<string[]> {
    return this.withMemberships(id, [], (keys, feeds) =>
      WITHDRAW.run(this.redis, keys, [version, withdrawnAt.getTime(), this.maxItems, id, ...feeds.map(({ slug }) => slug)]),
    );
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

  /** The feeds an article is in now (`all` among them unless it is partner-only), for the console's journey. */
  async feedsOf(id: string): Promise<string[]> {
    return (await this.redis.smembers(this.membershipKey(id))).sort();
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
    const feedKey = this.feedKey(slug);
    const max = olderThan === undefined ? '+inf' : `(${olderThan}`;
    const [rows, tombRows] = await Promise.all([
      this.redis.zrevrangebyscore(feedKey, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1),
      olderThan === undefined ? this.redis.zrevrange(this.tombKey(slug), 0, limit - 1, 'WITHSCORES') : Promise.resolve([]),
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
    const [, score] = await this.redis.zrangebyscore(this.feedKey(slug), before, '+inf', 'WITHSCORES', 'LIMIT', 0, 1);
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
