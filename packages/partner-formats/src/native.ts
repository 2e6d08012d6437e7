import type { EnrichedRecord } from '@syndicate/contracts';

/** Our native format: the event type, identity and version, and for live articles the article and enrichment. */
export function toNative(record: EnrichedRecord) {
  if (record.type === 'article.withdrawn') {
    return {
      type: record.type,
      id: record.id,
      version: record.version,
      withdrawnAt: record.withdrawnAt,
      ...(record.reason ? { reason: record.reason } : {}),
    };
  }
  return {
    type: record.type,
    id: record.article.id,
    version: record.article.version,
    article: record.article,
    enrichment: record.enrichment,
  };
}
