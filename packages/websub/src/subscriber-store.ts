import type { Redis } from 'ioredis';

export interface HubSubscription {
  topic: string;
  slug: string;
  format: 'rss' | 'atom' | 'json';
  callback: string;
  secret?: string;
  leaseSeconds: number;
  /** ms since the epoch */
  expiresAt: number;
}

/**
 * Verified subscriptions in Redis, one hash per (feed, format), keyed by callback URL. A renewal is a new
 * subscribe that replaces the record and its lease; expired ones are removed when next read.
 */
export class SubscriberStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key = (slug: string, format: string) => `${this.keyPrefix}websub:subs:${slug}:${format}`;

  async put(subscription: HubSubscription): Promise<void> {
    await this.redis.hset(this.key(subscription.slug, subscription.format), subscription.callback, JSON.stringify(subscription));
  }

  async remove(slug: string, format: string, callback: string): Promise<void> {
    await this.redis.hdel(this.key(slug, format), callback);
  }

  async get(slug: string, format: string, callback: string): Promise<HubSubscription | null> {
    const json = await this.redis.hget(this.key(slug, format), callback);
    if (!json) return null;
    const subscription = JSON.parse(json) as HubSubscription;
    return subscription.expiresAt > Date.now() ? subscription : null;
  }

  /** Live subscriptions of a feed format; expired leases are dropped on the way. */
  async list(slug: string, format: string, now = Date.now()): Promise<HubSubscription[]> {
    const all = Object.values(await this.redis.hgetall(this.key(slug, format))).map((json) => JSON.parse(json) as HubSubscription);
    const expired = all.filter((s) => s.expiresAt <= now);
    if (expired.length > 0) await this.redis.hdel(this.key(slug, format), ...expired.map((s) => s.callback));
    return all.filter((s) => s.expiresAt > now);
  }
}
