import { InfraConfig } from '@syndicate/config';
import { z } from 'zod';

export const ApiConfig = InfraConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().default('127.0.0.1'), // 0.0.0.0 behind a load balancer
  PUBLIC_BASE_URL: z.url().optional(), // how partners reach us; feed links are built on it (default http://HOST:PORT)
  SYNDICATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'), // bearer token for /v1 and /ops
  SYNDICATE_WEBHOOK_ALLOWLIST: z.string().default(''), // CIDRs webhooks may target although private
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576), // larger requests get 413
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
export type ApiConfig = z.infer<typeof ApiConfig>;
