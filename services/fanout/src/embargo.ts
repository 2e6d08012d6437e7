import type { EnrichedArticle } from '@syndicate/contracts';
import { EnrichedRecord } from '@syndicate/contracts';
import type { Queue, Redis } from '@syndicate/redis-runtime';

/**
 * Embargoed articles wait here: the latest held version in Redis, and a BullMQ delayed job per version (on
 * EMBARGO_QUEUE) that fires at the release time. A withdrawal or newer version makes an older job's release a no-op.
 */
export class EmbargoHold {
  constructor(
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly keyPrefix: string,
  ) {}

  private key = (articleId: string) => `${this.keyPrefix}fanout:embargoed:${articleId}`;
  static jobId = (articleId: string, version: number) => `release:${articleId}:${version}`;

  async hold(record: EnrichedArticle, releaseAt: Date, now = Date.now()): Promise<void> {
    const { id, version } = record.article;
    await this.redis.set(this.key(id), JSON.stringify(record));
    await this.queue.add(
      'release',
      { articleId: id, version },
      {
        jobId: EmbargoHold.jobId(id, version),
        delay: Math.max(0, releaseAt.getTime() - now),
        attempts: 10,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: false,
      },
    );
  }

  /** The version waiting for its embargo to end, if any. */
  async heldVersion(articleId: string): Promise<number | null> {
    const json = await this.redis.get(this.key(articleId));
    if (!json) return null;
    const held = EnrichedRecord.safeParse(JSON.parse(json));
    return held.success && held.data.type !== 'article.withdrawn' ? held.data.article.version : null;
  }

  /** The held record, if it is still the version this release was scheduled for. */
  async take(articleId: string, version: number): Promise<EnrichedArticle | null> {
    const json = await this.redis.get(this.key(articleId));
    if (!json) return null;
    const parsed = EnrichedRecord.safeParse(JSON.parse(json));
    if (!parsed.success || parsed.data.type === 'article.withdrawn' || parsed.data.article.version !== version) return null;
    return parsed.data;
  }

  async done(articleId: string, version: number): Promise<void> {
    const held = await this.take(articleId, version);
    if (held) await this.redis.del(this.key(articleId));
  }

  /**
   * A withdrawal or a newer version: drop what is held and its pending release. `heldVersion`, when the
   * caller has just read it (null: nothing held), spares a second read.
   */
  async cancel(articleId: string, heldVersion?: number | null): Promise<void> {
    const version = heldVersion === undefined ? await this.heldVersion(articleId) : heldVersion;
    if (version === null) return;
    await this.queue.remove(EmbargoHold.jobId(articleId, version));
    await this.redis.del(this.key(articleId));
  }
}
