import { FeedSiteConfig, InfraConfig } from '@syndicate/config';
import { z } from 'zod';

// The feed site settings must match the API's: WebSub pushes carry the same documents the API serves.
export const DeliveryConfig = InfraConfig.extend(FeedSiteConfig.shape).extend({
  DELIVERY_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000), // per attempt; Standard Webhooks suggests 15-30 s
  DELIVERY_CONCURRENCY: z.coerce.number().int().positive().default(50), // requests in flight per worker process
  SYNDICATE_WEBHOOK_ALLOWLIST: z.string().default(''), // CIDRs webhooks may reach although private, e.g. 127.0.0.0/8
  ATTEMPT_LOG_LENGTH: z.coerce.number().int().positive().default(100), // attempts kept per endpoint
});
export type DeliveryConfig = z.infer<typeof DeliveryConfig>;
