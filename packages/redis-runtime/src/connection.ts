import { Redis, type RedisOptions } from 'ioredis';

/** Longest wait between two attempts to reconnect, so a service is back within about a second of Redis. */
export const REDIS_RECONNECT_MAX_MS = 1_000;

/**
 * A Redis connection for BullMQ and the feed store. `maxRetriesPerRequest: null` because BullMQ workers
 * block on Redis and must wait out a reconnect rather than fail the command. Reconnects are tried 100 ms
 * after a loss, then up to every REDIS_RECONNECT_MAX_MS (ioredis' default backs off to 2 s).
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 100, REDIS_RECONNECT_MAX_MS),
    ...options,
  });
  // Without a listener ioredis prints every failed reconnect to stderr, once a second while Redis is away. The
  // outage is reported by the readiness checks (logged once per change) and by the commands that fail.
  redis.on('error', () => {});
  return redis;
}

/**
 * For connections that answer HTTP requests (the API's): a command fails at once while Redis is away (no
 * offline queue) and after `commandTimeoutMs` if Redis does not answer, so a request is answered 503 rather
 * than held until Redis comes back. Never for a BullMQ worker's connection, which must wait instead.
 */
export const failFastRedis = (commandTimeoutMs: number): RedisOptions => ({ enableOfflineQueue: false, commandTimeout: commandTimeoutMs });

/** Redis cannot be reached: requests are answered 503 `store_unavailable`, with Retry-After. */
export class StoreUnavailableError extends Error {
  readonly retryable = true;
  constructor(
    message = 'the store (Redis) is unavailable',
    readonly retryAfterSeconds = 2,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

const REDIS_DOWN_MESSAGES = [
  "Stream isn't writeable", // no connection and no offline queue
  'Command timed out', // commandTimeout
  'Connection is closed', // lost while the command was out
  'Reached the max retries per request limit',
  'LOADING', // Redis is reading its append-only file after a restart
];
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** True for what ioredis says when Redis is away or not answering (not for a command Redis refused). */
export function isRedisUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof StoreUnavailableError || error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as Error & { code?: string }).code;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  return REDIS_DOWN_MESSAGES.some((m) => error.message.includes(m));
}

/** A readiness check: fails at once while the connection is down, else when PING fails. */
export const redisCheck = (redis: Redis) => async () => {
  if (redis.status !== 'ready') throw new Error(`redis connection ${redis.status}`);
  await redis.ping();
};

/** Resolves once the connection is ready (commands may be sent), or rejects after `timeoutMs`. */
export async function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      reject(new StoreUnavailableError(`Redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', ready);
  });
}

/** Redis would lose data the services depend on: the service refuses to start. */
export class RedisDurabilityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisDurabilityError';
  }
}

/**
 * Reads the Redis settings every service depends on, at start. `maxmemory-policy` must be `noeviction`: any
 * other policy lets Redis drop keys when full (queued deliveries, feed items, version counters), silently;
 * otherwise throws RedisDurabilityError. No persistence at all (`appendonly no` and no `save`) is allowed,
 * for a test or a cache-only set-up, with one warning: a restart of Redis then loses whatever is queued. Where
 * CONFIG is disabled (managed Redis often renames it), says so and goes on: the provider's settings rule.
 */
export async function checkRedisDurability(
  redis: Redis,
  logger: { warn(object: object, message: string): void },
): Promise<{ maxmemoryPolicy?: string; persistence?: 'aof' | 'rdb' | 'none' }> {
  let settings: Record<string, string>;
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'maxmemory-policy', 'appendonly', 'save')) as string[];
    settings = {};
    for (let i = 0; i + 1 < reply.length; i += 2) settings[reply[i] as string] = reply[i + 1] as string;
  } catch (error) {
    if (isRedisUnavailableError(error)) throw error;
    logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      'cannot read Redis settings (CONFIG GET refused, as on managed Redis): make sure maxmemory-policy is noeviction and persistence (AOF) is on',
    );
    return {};
  }
  const policy = settings['maxmemory-policy'];
  if (policy !== undefined && policy !== 'noeviction') {
    throw new RedisDurabilityError(
      `Redis has maxmemory-policy ${policy}: when full it would evict keys (queued deliveries, feed items, article versions) and lose them silently. ` +
        'Set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction) and start again.',
    );
  }
  const aof = settings.appendonly === 'yes';
  const rdb = (settings.save ?? '').trim() !== '';
  const persistence = aof ? 'aof' : rdb ? 'rdb' : 'none';
  if (persistence === 'none') {
    logger.warn(
      { appendonly: settings.appendonly, save: settings.save },
      'Redis persists nothing (appendonly no, save ""): a Redis restart loses queued deliveries, embargoes and feed state; run it with appendonly yes and appendfsync everysec',
    );
  }
  return { ...(policy !== undefined ? { maxmemoryPolicy: policy } : {}), persistence };
}
