import { InfraConfig } from '@syndicate/config';
import { z } from 'zod';

export const FanoutConfig = InfraConfig.extend({
  FANOUT_GROUP_ID: z.string().default('fanout'), // consumer group; instances sharing it split the partitions
  FEED_MAX_ITEMS: z.coerce.number().int().positive().default(500), // items kept per feed in Redis
  WEBHOOK_ATTEMPTS: z.coerce.number().int().positive().default(8), // delivery attempts before a job is a dead letter
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().positive().default(5_000), // first retry delay; doubles each attempt
});
export type FanoutConfig = z.infer<typeof FanoutConfig>;
