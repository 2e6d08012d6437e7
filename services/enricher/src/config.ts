import { InfraConfig } from '@syndicate/config';
import { z } from 'zod';

export const EnricherConfig = InfraConfig.extend({
  ENRICHER_GROUP_ID: z.string().default('enricher'), // consumer group; instances sharing it split the partitions
  ENRICH_BATCH_SIZE: z.coerce.number().int().positive().max(1_000).default(100), // events of one partition enriched before their records go out in one send
  // Characters of an article read for entities and topics (about 16,000 words; a long read is 60,000 characters):
  // a longer article is cut at a word there and its enrichment says `truncatedAt`. Bounds the work per article to
  // a few hundred ms on hostile text, well inside the consumer's 10 s session, so no article is redelivered for
  // outliving it. Linear above it too: a whole 1 MB of hostile punctuation takes one to three seconds.
  ENRICH_MAX_CHARS: z.coerce.number().int().positive().default(100_000),
});
export type EnricherConfig = z.infer<typeof EnricherConfig>;
