import { type Keyring, KeyringError } from '@syndicate/config';
import { luaScript, type Redis } from '@syndicate/redis-runtime';
import { callbackHost } from './callback-policy.js';

export interface HubSubscription {
  topic: string;
  slug: string;
  format: 'rss' | 'atom' | 'json';
  callback: string;
  secret?: string;
  leaseSeconds: number;
  /** ms since the epoch */
  expiresAt: number;
  /** The feed subscription it was verified for (none for `all`): deleting that feed, or making it anew, ends it. */
  feedId?: string;
  /** For partner-only feeds, the hash of the token it was made with: rotating the token ends it. */
  feedTokenHash?: string;
}

/** As kept in Redis: the topic URL (it may carry a partner token) and the secret sealed with the keyring. */
type StoredHubSubscription = Omit<HubSubscription, 'topic' | 'secret'> & { sealed: string };
/** Records written before sealing kept both in the clear; they are read, and sealed when renewed. */
type LegacyHubSubscription = HubSubscription & { sealed?: undefined };

/** Which bound a new subscription would break. */
export type HubLimit = 'topic' | 'host' | 'total';

export interface HubLimits {
  /** Live subscriptions per topic (feed slug and format). */
  perTopic: number;
  /** Live subscriptions whose callbacks share a host name, over all topics. */
  perCallbackHost: number;
  total: number;
}

/** Why a subscription was refused, for the subscriber (the API's 429, the hub's denial). */
export function hubLimitMessage(limit: HubLimit, limits: HubLimits): string {
  switch (limit) {
    case 'topic':
      return `this hub holds at most ${limits.perTopic} subscriptions per topic, and this topic has them`;
    case 'host':
      return `this hub holds at most ${limits.perCallbackHost} subscriptions per callback host, and this host has them`;
    case 'total':
      return `this hub holds at most ${limits.total} subscriptions, and has them`;
  }
}

/** The bounds as configured (see WebSubConfig). */
export const hubLimits = (config: {
  WEBSUB_MAX_PER_TOPIC: number;
  WEBSUB_MAX_PER_CALLBACK_HOST: number;
  WEBSUB_MAX_TOTAL: number;
}): HubLimits => ({
  perTopic: config.WEBSUB_MAX_PER_TOPIC,
  perCallbackHost: config.WEBSUB_MAX_PER_CALLBACK_HOST,
  total: config.WEBSUB_MAX_TOTAL,
});

const PUT = luaScript<'ok' | HubLimit>('@syndicate/websub/lua/websub-subscription-put.lua');

/**
 * Verified subscriptions in Redis, one hash per (feed, format), keyed by callback URL, with each topic's,
 * each callback host's and the hub's live subscriptions counted in sorted sets, so the hub's bounds are
 * enforced atomically (see put). A renewal is a new subscribe that replaces the record and its lease;
 * expired ones are removed when next read. The topic URL and the subscriber's secret are sealed with the
 * keyring: neither a partner's feed token nor a hub.secret is readable in Redis.
 */
export class SubscriberStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly keyring: Keyring,
  ) {}

  /**
   * Where a topic's records are (a hash by callback). Every key of the store shares one hash tag ({websub}): the
   * bounds span topics, hosts and the whole hub, and are checked in one script.
   */
  static recordsKey = (keyPrefix: string, slug: string, format: string) => `${keyPrefix}{websub}:subs:${slug}:${format}`;
  private key = (slug: string, format: string) => SubscriberStore.recordsKey(this.keyPrefix, slug, format);
  private topicLiveKey = (slug: string, format: string) => `${this.keyPrefix}{websub}:live:${slug}:${format}`;
  private hostLiveKey = (callback: string) => `${this.keyPrefix}{websub}:live-host:${callbackHost(callback)}`;
  private allLiveKey = () => `${this.keyPrefix}{websub}:live-all`;
  private static member = (slug: string, format: string, callback: string) => `${slug} ${format} ${callback}`;
  private static context = (slug: string, format: string, callback: string) => `websub:${slug}:${format}:${callback}`;

  /**
   * Stores a verified subscription unless that would break a bound: the check and the write are one script,
   * so racing verifications cannot together pass a bound. Returns the bound that refused it, or null.
   */
  async put(subscription: HubSubscription, limits: HubLimits, now = Date.now()): Promise<HubLimit | null> {
    const { topic, secret, ...rest } = subscription;
    const { slug, format, callback } = subscription;
    const stored: StoredHubSubscription = {
      ...rest,
      sealed: this.keyring.seal(JSON.stringify({ topic, secret }), SubscriberStore.context(slug, format, callback)),
    };
    const outcome = await PUT.run(
      this.redis,
      [this.key(slug, format), this.topicLiveKey(slug, format), this.hostLiveKey(callback), this.allLiveKey()],
      [
        callback,
        SubscriberStore.member(slug, format, callback),
        JSON.stringify(stored),
        subscription.expiresAt,
        now,
        limits.perTopic,
        limits.perCallbackHost,
        limits.total,
      ],
    );
    return outcome === 'ok' ? null : outcome;
  }

  /**
   * The bound a new subscription would break now, or null (also for a renewal). A cheap look for the API to
   * refuse early; only put decides.
   */
  async wouldRefuse(slug: string, format: string, callback: string, limits: HubLimits, now = Date.now()): Promise<HubLimit | null> {
    const live = `(${now}`;
    const [lease, topic, host, total] = await Promise.all([
      this.redis.zscore(this.topicLiveKey(slug, format), callback),
      this.redis.zcount(this.topicLiveKey(slug, format), live, '+inf'),
      this.redis.zcount(this.hostLiveKey(callback), live, '+inf'),
      this.redis.zcount(this.allLiveKey(), live, '+inf'),
    ]);
    if (lease !== null && Number(lease) > now) return null;
    if (topic >= limits.perTopic) return 'topic';
    if (host >= limits.perCallbackHost) return 'host';
    if (total >= limits.total) return 'total';
    return null;
  }

  async remove(slug: string, format: string, callback: string): Promise<void> {
    const member = SubscriberStore.member(slug, format, callback);
    await this.redis
      .multi()
      .hdel(this.key(slug, format), callback)
      .zrem(this.topicLiveKey(slug, format), callback)
      .zrem(this.hostLiveKey(callback), member)
      .zrem(this.allLiveKey(), member)
      .exec();
  }

  /** Ends every subscription to a feed (any format) that `which` picks; returns how many. */
  async removeWhere(slug: string, which: (subscription: Omit<HubSubscription, 'topic' | 'secret'>) => boolean): Promise<number> {
    let removed = 0;
    for (const format of ['rss', 'atom', 'json'] as const) {
      const records = Object.values(await this.redis.hgetall(this.key(slug, format))).map(
        (json) => JSON.parse(json) as StoredHubSubscription,
      );
      for (const record of records.filter(which)) {
        await this.remove(slug, format, record.callback);
        removed++;
      }
    }
    return removed;
  }

  async get(slug: string, format: string, callback: string): Promise<HubSubscription | null> {
    const json = await this.redis.hget(this.key(slug, format), callback);
    if (!json) return null;
    const subscription = this.open(JSON.parse(json));
    return subscription.expiresAt > Date.now() ? subscription : null;
  }

  /**
   * Live subscriptions of a feed format; expired leases are dropped on the way. One sealed with a key no
   * longer in the ring is left out (not removed: it is back once the key is), so it cannot stop the others.
   */
  async list(slug: string, format: string, now = Date.now()): Promise<HubSubscription[]> {
    const all = Object.values(await this.redis.hgetall(this.key(slug, format))).map(
      (json) => JSON.parse(json) as StoredHubSubscription | LegacyHubSubscription,
    );
    const live: HubSubscription[] = [];
    for (const record of all) {
      if (record.expiresAt <= now) {
        await this.remove(slug, format, record.callback);
        continue;
      }
      try {
        live.push(this.open(record));
      } catch (error) {
        if (!(error instanceof KeyringError)) throw error;
      }
    }
    return live;
  }

  /** How many live subscriptions the hub holds (for metrics and tests). */
  count(now = Date.now()): Promise<number> {
    return this.redis.zcount(this.allLiveKey(), `(${now}`, '+inf');
  }

  private open(record: StoredHubSubscription | LegacyHubSubscription): HubSubscription {
    if (record.sealed === undefined) return record;
    const { sealed, ...rest } = record;
    const { topic, secret } = JSON.parse(this.keyring.open(sealed, SubscriberStore.context(rest.slug, rest.format, rest.callback))) as {
      topic: string;
      secret?: string;
    };
    return { ...rest, topic, ...(secret ? { secret } : {}) };
  }
}
