import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';

/** Where the shared infrastructure is. Every service's own config schema extends this one. */
export const InfraConfig = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092'), // comma-separated host:port
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''), // isolates tests or tenants sharing a cluster
  REDIS_KEY_PREFIX: z.string().default('syndicate:'), // every Redis key and BullMQ queue lives under it
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type InfraConfig = z.infer<typeof InfraConfig>;

export const brokerList = (brokers: string) =>
  brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);

/**
 * A Redis connection for BullMQ and the feed store. `maxRetriesPerRequest: null` because BullMQ workers
 * block on Redis and must wait out a reconnect rather than fail the command.
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

/** Parses the environment with a service's schema and says every problem at once, readably. */
export function parseConfig<T extends z.ZodType>(schema: T, env: Record<string, string | undefined> = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
