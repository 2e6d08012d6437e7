import type { ArticleEventType } from '@syndicate/contracts';
import type { Redis } from '@syndicate/redis-runtime';
import { ARTICLE_LOG_TTL_SECONDS, ArticleLog } from './article-log.js';

/** One message the fanout wrote to a partner topic for one version of an article, and where the broker put it. */
export interface PartnerOffset {
  version: number;
  type: ArticleEventType;
  partnerId: string;
  format: string;
  topic: string;
  partition: number;
  /** Int64 as a decimal string, as Kafka clients give it. */
  offset: string;
  /** When the broker acknowledged it. */
  at: string;
}

/**
 * Where each version of an article went in the partner topics (the console's journey shows it): the fanout records
 * the partition and offset the broker answered for every partner message, the API reads them back. A message the
 * fanout sent again (a batch redone after a crash) is there twice, as it is in the topic.
 */
export class PartnerOffsetLog extends ArticleLog<PartnerOffset> {
  constructor(redis: Redis, keyPrefix: string, maxEntries = 200, ttlSeconds = ARTICLE_LOG_TTL_SECONDS) {
    super(redis, `${keyPrefix}fanout:partner-offsets:`, maxEntries, ttlSeconds);
  }
}
