import { z } from 'zod';
import { Keyring, KeyringError } from './keyring.js';

export { Keyring, KeyringError } from './keyring.js';

/** Where the shared infrastructure is. Every service's own config schema extends this one. */
export const InfraConfig = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092'), // comma-separated host:port
  // A managed Kafka: TLS and/or SASL. A private CA for Kafka or Redis: NODE_EXTRA_CA_CERTS=/path/ca.pem.
  KAFKA_SSL: z.stringbool().default(false), // TLS to the brokers
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(), // with KAFKA_SASL_USERNAME and _PASSWORD
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'), // rediss://… for TLS (user:password@ for AUTH)
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''), // isolates tests or tenants sharing a cluster
  REDIS_KEY_PREFIX: z.string().default('syndicate:'), // every Redis key and BullMQ queue lives under it
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(), // GET /metrics, /healthz, /readyz for services without an HTTP API; off when unset
  METRICS_HOST: z.string().default('127.0.0.1'), // where METRICS_PORT listens; 0.0.0.0 for a scraper or probe on another host
  READINESS_INTERVAL_MS: z.coerce.number().int().positive().default(500), // how often Kafka and Redis are checked in the background (/readyz, failing fast)
  // For requests that wait on a dependency (the API's): answered 503 rather than held while it is away.
  KAFKA_SEND_TIMEOUT_MS: z.coerce.number().int().positive().default(1_500), // a publish not acknowledged by then is answered 503 bus_unavailable
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(1_000), // a Redis command unanswered by then fails its request with 503 store_unavailable
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type InfraConfig = z.infer<typeof InfraConfig>;

/** How feeds are addressed and bounded; shared by the feed server and the WebSub hub's pushes. */
export const FeedSiteConfig = z.object({
  PUBLIC_BASE_URL: z.url().optional(), // how readers reach the API; feed links are built on it (default: the API's own address)
  FEED_PAGE_ITEMS: z.coerce.number().int().positive().max(500).default(50), // items per feed document
  FEED_MAX_BYTES: z.coerce.number().int().min(4_096).default(1_048_576), // larger documents move older items to archive pages
  FEED_TAG_AUTHORITY: z
    .string()
    .regex(/^[a-z0-9.-]+$/)
    .optional(), // tag: URI authority for entry ids (default: host of PUBLIC_BASE_URL); never change it
  FEED_TAG_DATE: z
    .string()
    .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/)
    .default('2026'), // tag: URI date (RFC 4151); never change it
});
export type FeedSiteConfig = z.infer<typeof FeedSiteConfig>;

const MISSING_SECRET_KEY =
  'required: the keyring that encrypts webhook and WebSub secrets at rest, as id:base64key[,id:base64oldkey…], ' +
  'e.g. k1:$(openssl rand -base64 32); `npm start` generates one into infra/.data/secret-key';

/** For the services that handle secrets (API, delivery); see Keyring. */
export const SecretKeyConfig = z.object({
  SYNDICATE_SECRET_KEY: z
    .string({ error: (issue) => (issue.input === undefined ? MISSING_SECRET_KEY : 'must be a string') })
    .superRefine((spec, ctx) => {
      try {
        Keyring.parse(spec);
      } catch (error) {
        if (!(error instanceof KeyringError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    }), // first key encrypts, every key decrypts: put a new key first, drop the old one once nothing uses it
});
export type SecretKeyConfig = z.infer<typeof SecretKeyConfig>;

/**
 * The WebSub hub's bounds and its own allowlist, shared by the API (which checks them when a subscriber asks)
 * and the delivery service (which enforces them atomically at verification, and checks callbacks at every
 * request it makes). Expired leases do not count.
 */
export const WebSubConfig = z.object({
  WEBSUB_MAX_PER_TOPIC: z.coerce.number().int().positive().default(1_000), // verified subscriptions per feed URL (slug and format)
  WEBSUB_MAX_PER_CALLBACK_HOST: z.coerce.number().int().positive().default(100), // verified subscriptions whose callbacks share a host name, all topics
  WEBSUB_MAX_TOTAL: z.coerce.number().int().positive().default(50_000), // verified subscriptions in all
  SYNDICATE_WEBSUB_ALLOWLIST: z.string().default(''), // CIDRs WebSub callbacks may reach although private; SYNDICATE_WEBHOOK_ALLOWLIST does not apply to them
});
export type WebSubConfig = z.infer<typeof WebSubConfig>;

/** The feed site settings as the feeds package takes them. */
export function feedSite(config: FeedSiteConfig, baseUrl: () => string) {
  return {
    baseUrl,
    tagAuthority: config.FEED_TAG_AUTHORITY ?? new URL(config.PUBLIC_BASE_URL ?? 'http://localhost').hostname,
    tagDate: config.FEED_TAG_DATE,
    pageItems: config.FEED_PAGE_ITEMS,
    maxBytes: config.FEED_MAX_BYTES,
  };
}

export const brokerList = (brokers: string) =>
  brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);

/** Parses the environment with a service's schema and says every problem at once, readably. */
export function parseConfig<T extends z.ZodType>(schema: T, env: Record<string, string | undefined> = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
