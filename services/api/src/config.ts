import { FeedSiteConfig, InfraConfig, SecretKeyConfig, WebSubConfig } from '@syndicate/config';
import { z } from 'zod';

// SYNDICATE_SECRET_KEY seals webhook secrets and hub.secret in WebSub jobs. The WebSub settings must match the
// delivery service's, which enforces the same bounds again at verification.
const Shared = InfraConfig.extend(FeedSiteConfig.shape).extend(WebSubConfig.shape).extend(SecretKeyConfig.shape);

export const ApiConfig = Shared.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().default('127.0.0.1'), // 0.0.0.0 behind a load balancer
  SYNDICATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'), // bearer token for /v1 and /ops
  SYNDICATE_WEBHOOK_ALLOWLIST: z.string().default(''), // CIDRs webhooks may target although private (WebSub callbacks: SYNDICATE_WEBSUB_ALLOWLIST)
  WEBHOOK_REQUIRE_HTTPS: z.stringbool().default(false), // refuse http:// webhook and WebSub callback URLs
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576), // larger requests get 413
  MAX_BATCH_BODY_BYTES: z.coerce.number().int().positive().default(16_777_216), // POST /v1/articles/batch (up to 500 articles): larger requests get 413
  // Behind a load balancer: `true`, a hop count or comma-separated CIDRs of proxies whose X-Forwarded-For is
  // believed. Without it every client would share the balancer's address, and its rate limit.
  TRUST_PROXY: z.string().default(''),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().positive().default(60_000), // the window the limits below count in
  RATE_LIMIT_FEEDS: z.coerce.number().int().positive().default(1_200), // feed requests per client (IP, IPv6 /64) per window
  RATE_LIMIT_PUBLIC: z.coerce.number().int().positive().default(300), // other requests without the admin token, per client
  RATE_LIMIT_WEBSUB: z.coerce.number().int().positive().default(60), // WebSub hub requests per client
  FEED_ALL_PUBLIC: z.stringbool().default(true), // false: /feeds/all.* needs the admin token (partner-only articles are never in it)
  FEED_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1_048_576), // rendered and compressed documents kept in memory
  CONSOLE_SESSION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(8 * 3600), // an operators' console sign-in lasts this long
  CONSOLE_SAMPLE_INTERVAL_MS: z.coerce.number().int().positive().default(10_000), // the console's overview sample; an hour of them is kept
  CONSOLE_CONSUMER_GROUPS: z.string().default('enricher,fanout'), // comma-separated Kafka groups whose lag the console shows
});
export type ApiConfig = z.infer<typeof ApiConfig>;
