import { InfraConfig } from '@syndicate/config';
import { z } from 'zod';

export const EnricherConfig = InfraConfig.extend({
  ENRICHER_GROUP_ID: z.string().default('enricher'), // consumer group; instances sharing it split the partitions
});
export type EnricherConfig = z.infer<typeof EnricherConfig>;
