import type { ArticleEventType } from '@syndicate/contracts';
import type { Redis } from '@syndicate/redis-runtime';

/** One message the fanout wrote to a partner topic for one version of an article, and where the broker put it. */
export interface PartnerOffset {
  version: number;
  type: ArticleEventType;
  partnerId: string;
  format: string;
  topic: string;
  partition: number;
  /** Int64 as a decimal string, as Kafka clients give it. */
  offset: string;
  /** When the broker acknowledged it. */
  at: string;
}

/**
 * Where each version of an article went in the partner topics (the console's journey shows it): the fanout records
 * the partition and offset the broker answered for every partner message, the API reads them back. One list per
 * article, newest first, bounded in length and age like the attempt log beside it; a message the fanout sent again
 * (a batch redone after a crash) is there twice, as it is in the topic.
 */
export class PartnerOffsetLog {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly maxEntries = 200,
    /** A week: as long as a partner topic keeps its messages by default (Kafka's `retention.ms`). */
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {}

  /** One key per article, written alone (no script), so no hash tag: like the fanout's other per-article keys. */
  private key = (articleId: string) => `${this.keyPrefix}fanout:partner-offsets:${articleId}`;

  /**
   * Three plain commands rather than a MULTI: on the fanout's auto-pipelined connection they join the write its
   * other commands of the batch go in (a MULTI is a write of its own). One connection keeps their order, and a
   * reader between them sees at most a few entries past the bound.
   */
  async record(articleId: string, offsets: PartnerOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const key = this.key(articleId);
    await Promise.all([
      this.redis.lpush(key, ...offsets.map((o) => JSON.stringify(o))),
      this.redis.ltrim(key, 0, this.maxEntries - 1),
      this.redis.expire(key, this.ttlSeconds),
    ]);
  }

  /** Newest first. */
  async list(articleId: string): Promise<PartnerOffset[]> {
    const rows = await this.redis.lrange(this.key(articleId), 0, this.maxEntries - 1);
    return rows.map((row) => JSON.parse(row) as PartnerOffset);
  }
}
