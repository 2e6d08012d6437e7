import { InfraConfig } from '@syndicate/config';
import { z } from 'zod';

export const FanoutConfig = InfraConfig.extend({
  FANOUT_GROUP_ID: z.string().default('fanout'), // consumer group; instances sharing it split the partitions
  FEED_MAX_ITEMS: z.coerce.number().int().positive().default(500), // items kept per feed in Redis
  FANOUT_BATCH_SIZE: z.coerce.number().int().positive().max(1_000).default(100), // enriched records of one partition handled at once (one article at most once in them)
  WEBHOOK_ATTEMPTS: z.coerce.number().int().positive().default(8), // delivery attempts before a job is a dead letter (the delivery service's schedule times them)
});
export type FanoutConfig = z.infer<typeof FanoutConfig>;
