import type { ArticleEventType, EnrichedRecord } from '@syndicate/contracts';
import type { Redis } from '@syndicate/redis-runtime';
import { ARTICLE_LOG_TTL_SECONDS, ArticleLog } from './article-log.js';

/** What the fanout did with one event of one article, with what that version was (the console's journey). */
export interface VersionOutcome {
  version: number;
  type: ArticleEventType;
  /**
   * sent: to its subscribers; held: under embargo until `embargoUntil`; released: sent when its embargo ended;
   * dropped: not sent, for `reason` (an older version after a newer one, a version behind one held for embargo).
   */
  outcome: 'sent' | 'held' | 'released' | 'dropped';
  reason?: string;
  /** When the fanout decided. */
  at: string;
  headline?: string;
  embargoUntil?: string;
  withdrawnAt?: string;
  withdrawalReason?: string;
  /** The version's enrichment: its most salient entities (at most MAX_ENTITIES) and its topics. */
  entities?: Array<{ name: string; type: string }>;
  topics?: Array<{ id: string; label: string }>;
}

const MAX_ENTITIES = 20;

/** The entry for one record: the version's own content, since only the newest version is kept in the feed store. */
export function versionOutcome(
  record: EnrichedRecord,
  outcome: VersionOutcome['outcome'],
  reason?: string,
  now = new Date(),
): VersionOutcome {
  const decided = { outcome, ...(reason ? { reason } : {}), at: now.toISOString() };
  if (record.type === 'article.withdrawn') {
    return {
      version: record.version,
      type: record.type,
      ...decided,
      withdrawnAt: record.withdrawnAt,
      ...(record.reason ? { withdrawalReason: record.reason } : {}),
    };
  }
  const { article, enrichment } = record;
  return {
    version: article.version,
    type: record.type,
    ...decided,
    headline: article.headline,
    ...(article.embargoUntil ? { embargoUntil: article.embargoUntil } : {}),
    entities: [...enrichment.entities]
      .sort((a, b) => b.salience - a.salience)
      .slice(0, MAX_ENTITIES)
      .map(({ name, type }) => ({ name, type })),
    topics: enrichment.topics.map(({ id, label }) => ({ id, label })),
  };
}

/**
 * Every event of an article the fanout took, and what became of it: the versions a story went through, with their
 * enrichment and embargo, withdrawals and what was dropped. The last 100 per article, for a week.
 */
export class VersionLog extends ArticleLog<VersionOutcome> {
  constructor(redis: Redis, keyPrefix: string, maxEntries = 100, ttlSeconds = ARTICLE_LOG_TTL_SECONDS) {
    super(redis, `${keyPrefix}fanout:versions:`, maxEntries, ttlSeconds);
  }
}
