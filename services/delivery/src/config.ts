import { FeedSiteConfig, InfraConfig, SecretKeyConfig, WebSubConfig } from '@syndicate/config';
import { z } from 'zod';

// The feed site and WebSub settings must match the API's: WebSub pushes carry the same documents the API
// serves, and the hub's bounds are checked by both. SYNDICATE_SECRET_KEY opens the secrets it signs with.
const Shared = InfraConfig.extend(FeedSiteConfig.shape).extend(WebSubConfig.shape).extend(SecretKeyConfig.shape);

export const DeliveryConfig = Shared.extend({
  DELIVERY_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000), // per attempt, for connecting, the answer's headers and its first 2 KB each; Standard Webhooks suggests 15-30 s
  WEBSUB_CONCURRENCY: z.coerce.number().int().positive().default(10), // WebSub verifications and distributions at once, per process
  WEBSUB_PUSH_CONCURRENCY: z.coerce.number().int().positive().default(20), // WebSub content pushes in flight per process, on their own queue and HTTP agent (webhooks: per endpoint, maxConcurrency)
  WEBHOOK_BATCH_CONCURRENCY: z.coerce.number().int().positive().default(4), // article batches whose first attempts run at once, per process
  WEBHOOK_BATCH_MAX_IN_FLIGHT: z.coerce.number().int().positive().default(1_000), // first attempts from batches at once, per process; more go to their endpoints' queues
  WEBHOOK_BATCH_PATIENCE_MS: z.coerce.number().int().positive().default(200), // a batch waits this long for its first attempts; the rest finish in the background
  WEBHOOK_SLOW_AFTER_MS: z.coerce.number().int().positive().default(2_000), // a first attempt unanswered this long marks its endpoint slow:
  WEBHOOK_SLOW_MARK_MS: z.coerce.number().int().positive().default(60_000), // served from its own queue alone for this long
  WEBHOOK_RETRY_SCHEDULE_MS: z
    .string()
    .default('5000,300000,1800000,7200000,18000000,36000000,36000000') // 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
    .transform((s) => s.split(',').map(Number))
    .refine((a) => a.length > 0 && a.every((n) => Number.isInteger(n) && n >= 0), 'comma-separated milliseconds'),
  WEBHOOK_RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.2), // ± share of each delay
  SYNDICATE_WEBHOOK_ALLOWLIST: z.string().default(''), // CIDRs webhooks may reach although private, e.g. 127.0.0.0/8
  WEBHOOK_REQUIRE_HTTPS: z.stringbool().default(false), // refuse to deliver to http:// endpoints
  WEBHOOK_DISABLE_AFTER_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 24 * 3600 * 1000), // an endpoint failing this long is disabled
  ATTEMPT_LOG_LENGTH: z.coerce.number().int().positive().default(100), // attempts kept per endpoint
});
export type DeliveryConfig = z.infer<typeof DeliveryConfig>;
