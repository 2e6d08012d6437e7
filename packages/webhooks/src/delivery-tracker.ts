import type { Queue, Redis } from '@syndicate/redis-runtime';

/** A queued webhook job: the batch of an article event, or one endpoint's own job. */
export interface TrackedJob {
  queueName: string;
  jobId: string;
}

/**
 * Remembers which webhook jobs are queued for each article version, so a newer version or a withdrawal can
 * take the older ones off their queues before they are sent (jobs already being sent finish; the delivery
 * service skips any delivery older than the stored version, so an endpoint never gets version 2 after 3).
 * The fanout tracks the batches it adds, the delivery service the endpoint jobs it hands over.
 */
export class DeliveryTracker {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds = 30 * 24 * 3600,
  ) {}

  private key = (articleId: string) => `${this.keyPrefix}fanout:queued:${articleId}`;

  async track(articleId: string, version: number, jobs: TrackedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.redis
      .multi()
      .sadd(this.key(articleId), ...jobs.map((j) => `${version} ${j.queueName} ${j.jobId}`))
      .expire(this.key(articleId), this.ttlSeconds)
      .exec();
  }

  /** Removes the still-queued jobs of versions older than `version`; returns how many were cancelled. */
  async supersede(articleId: string, version: number, queueOf: (queueName: string) => Queue): Promise<number> {
    const members = await this.redis.smembers(this.key(articleId));
    const older = members.filter((m) => Number(m.slice(0, m.indexOf(' '))) < version);
    let cancelled = 0;
    for (const member of older) {
      const [, queueName = '', jobId = ''] = member.split(' ', 3);
      // remove() refuses a job that a worker holds right now; the delivery service itself skips that one.
      cancelled += await queueOf(queueName).remove(jobId);
    }
    if (older.length > 0) await this.redis.srem(this.key(articleId), ...older);
    return cancelled;
  }
}
