import type { Redis } from '@syndicate/redis-runtime';

/**
 * A bounded, expiring list of JSON entries per article, newest first: what the fanout notes about each article as
 * it goes (where its partner messages went, what became of each version) for the console's journey to read back.
 * Written on the fanout's hot path for every article event, so it never grows without end.
 */
export class ArticleLog<Entry> {
  constructor(
    private readonly redis: Redis,
    /** The key of an article's list is this plus the article id. */
    private readonly keyPrefix: string,
    private readonly maxEntries: number,
    private readonly ttlSeconds: number,
  ) {}

  /** One key per article, written alone (no script), so no hash tag: like the fanout's other per-article keys. */
  private key = (articleId: string) => `${this.keyPrefix}${articleId}`;

  /**
   * Three plain commands rather than a MULTI: on the fanout's auto-pipelined connection they join the write its
   * other commands of the batch go in (a MULTI is a write of its own). One connection keeps their order, and a
   * reader between them sees at most a few entries past the bound.
   */
  async record(articleId: string, entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const key = this.key(articleId);
    await Promise.all([
      this.redis.lpush(key, ...entries.map((e) => JSON.stringify(e))),
      this.redis.ltrim(key, 0, this.maxEntries - 1),
      this.redis.expire(key, this.ttlSeconds),
    ]);
  }

  /** Newest first. */
  async list(articleId: string): Promise<Entry[]> {
    const rows = await this.redis.lrange(this.key(articleId), 0, this.maxEntries - 1);
    return rows.map((row) => JSON.parse(row) as Entry);
  }
}

/** A week: as long as a partner topic keeps its messages by default (Kafka's `retention.ms`). */
export const ARTICLE_LOG_TTL_SECONDS = 7 * 24 * 3600;
