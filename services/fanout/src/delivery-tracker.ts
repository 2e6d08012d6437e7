import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Remembers which webhook jobs are queued for each article version, so a newer version or a withdrawal can
 * take the older ones off the queue before they are sent (jobs already being sent finish; the delivery
 * worker skips any job older than the stored version, so an endpoint never gets version 2 after 3).
 */
export class DeliveryTracker {
  constructor(
    private readonly redis: Redis,
    private readonly queueOf: (endpointId: string) => Queue,
    private readonly keyPrefix: string,
    private readonly ttlSeconds = 30 * 24 * 3600,
  ) {}

  private key = (articleId: string) => `${this.keyPrefix}fanout:queued:${articleId}`;

  async track(articleId: string, version: number, jobs: Array<{ endpointId: string; jobId: string }>): Promise<void> {
    if (jobs.length === 0) return;
    await this.redis
      .multi()
      .sadd(this.key(articleId), ...jobs.map((j) => `${version}:${j.endpointId}:${j.jobId}`))
      .expire(this.key(articleId), this.ttlSeconds)
      .exec();
  }

  /** Removes the still-queued jobs of versions older than `version`; returns how many were cancelled. */
  async supersede(articleId: string, version: number): Promise<number> {
    const members = await this.redis.smembers(this.key(articleId));
    const older = members.filter((m) => Number(m.slice(0, m.indexOf(':'))) < version);
    let cancelled = 0;
    for (const member of older) {
      const [, endpointId = '', jobId = ''] = member.split(':', 3);
      // remove() refuses a job that a worker holds right now; that one the worker itself will skip.
      cancelled += await this.queueOf(endpointId).remove(jobId);
    }
    if (older.length > 0) await this.redis.srem(this.key(articleId), ...older);
    return cancelled;
  }
}
