import { FeedSiteConfig, InfraConfig } from '@syndicate/config';
import { z } from 'zod';

export const ApiConfig = InfraConfig.extend(FeedSiteConfig.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().default('127.0.0.1'), // 0.0.0.0 behind a load balancer
  SYNDICATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'), // bearer token for /v1 and /ops
  SYNDICATE_WEBHOOK_ALLOWLIST: z.string().default(''), // CIDRs webhooks (and WebSub callbacks) may target although private
  WEBHOOK_REQUIRE_HTTPS: z.stringbool().default(false), // refuse http:// webhook and WebSub callback URLs
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576), // larger requests get 413
});
export type ApiConfig = z.infer<typeof ApiConfig>;
