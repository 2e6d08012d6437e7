import { isIPv6 } from 'node:net';
import type { Redis } from '@syndicate/redis-runtime';
import ipaddr from 'ipaddr.js';

interface Window {
  /** Which window (time / windowMs) the counts are for. */
  index: number;
  windowMs: number;
  /** The count across all API processes as Redis last told us, our own synced hits included. */
  known: number;
  /** Our hits not yet added to Redis. */
  pending: number;
}

export interface RateLimiterOptions {
  redis: Redis;
  keyPrefix: string;
  /** How often local counts are added to Redis: the most that N processes can overshoot by is N × this much traffic. */
  syncEveryMs?: number;
  /** Clients tracked at once; the longest-tracked are forgotten first. */
  maxClients?: number;
}

/**
 * Fixed-window request counts per client, shared by every API process through Redis, without a Redis round
 * trip per request: each process counts locally and adds its counts to Redis every `syncEveryMs`, reading
 * back the total. A feed poll stays a map lookup; a client spread over several processes is still held to
 * one limit (give or take one sync interval). If Redis is away, each process keeps limiting on its own counts.
 */
export class SharedRateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly syncEveryMs: number;
  private readonly maxClients: number;
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;

  constructor(options: RateLimiterOptions) {
    this.redis = options.redis;
    this.keyPrefix = `${options.keyPrefix}ratelimit:`;
    this.syncEveryMs = options.syncEveryMs ?? 100;
    this.maxClients = options.maxClients ?? 100_000;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.sync(), this.syncEveryMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Counts one request of `key` and returns its count in the current window and the time to the window's end. */
  hit(key: string, windowMs: number, now = Date.now()): { count: number; resetMs: number } {
    const index = Math.floor(now / windowMs);
    let window = this.windows.get(key);
    if (!window || window.index !== index || window.windowMs !== windowMs) {
      if (!window && this.windows.size >= this.maxClients) {
        const oldest = this.windows.keys().next().value;
        if (oldest !== undefined) this.windows.delete(oldest);
      }
      window = { index, windowMs, known: 0, pending: 0 };
      this.windows.set(key, window);
    }
    window.pending++;
    return { count: window.known + window.pending, resetMs: (index + 1) * windowMs - now };
  }

  /**
   * Adds every pending count to Redis in one pipeline and reads the totals back; forgets finished windows.
   * A call while one is under way waits for it and then syncs what came since.
   */
  async sync(now = Date.now()): Promise<void> {
    while (this.syncing) await this.syncing;
    this.syncing = this.flush(now).finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async flush(now: number): Promise<void> {
    const sent: Array<[Window, number]> = [];
    const pipeline = this.redis.pipeline();
    for (const [key, window] of this.windows) {
      if (window.index !== Math.floor(now / window.windowMs)) {
        this.windows.delete(key); // its window is over: nothing it counted matters any more
        continue;
      }
      if (window.pending === 0) continue;
      const redisKey = `${this.keyPrefix}${key}:${window.index}`;
      pipeline.incrby(redisKey, window.pending).pexpire(redisKey, window.windowMs * 2);
      sent.push([window, window.pending]);
    }
    if (sent.length === 0) return;
    try {
      const results = (await pipeline.exec()) ?? [];
      sent.forEach(([window, count], i) => {
        const [error, total] = results[i * 2] ?? [];
        if (error || typeof total !== 'number') return;
        window.pending -= count;
        window.known = total;
      });
    } catch {
      // Redis is away: limits hold per process on local counts until it is back.
    }
  }
}

/**
 * Who a request counts against: the client's address, or for IPv6 its /64 (one subscriber line usually
 * holds a whole /64, so counting single addresses would let one client rotate through billions).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  if (!isIPv6(address)) return address;
  try {
    const parsed = ipaddr.IPv6.parse(address);
    if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
    return `${parsed.parts
      .slice(0, 4)
      .map((p) => p.toString(16))
      .join(':')}::/64`;
  } catch {
    return address;
  }
}

type StoreCallback = (error: Error | null, result: { current: number; ttl: number }) => void;

/**
 * A store for @fastify/rate-limit that counts in the shared limiter: Fastify's routes and the feed server
 * then hold clients to limits the same way. Each route with a limit of its own counts apart (`child`).
 */
export function sharedRateLimitStore(limiter: SharedRateLimiter) {
  return class SharedStore {
    readonly scope: string;

    /** Given the plugin's settings, with `routeInfo` for a route's own store. */
    constructor(settings?: unknown) {
      const route = (settings as { routeInfo?: { url?: string; method?: string | string[] } } | undefined)?.routeInfo;
      this.scope = route?.url ? `${String(route.method)} ${route.url}` : 'public';
    }

    incr(key: string, callback: StoreCallback, timeWindow: number): void {
      const { count, resetMs } = limiter.hit(`${this.scope}:${key}`, timeWindow);
      callback(null, { current: count, ttl: resetMs });
    }

    child(settings: unknown): SharedStore {
      return new SharedStore(settings);
    }
  };
}
