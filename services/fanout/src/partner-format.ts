import type { EnrichedRecord } from '@syndicate/contracts';

/**
 * Our native partner format: the event type, the article and its enrichment, as one JSON document. (The
 * routing issue adds IPTC ninjs.) Keyed by article id; `version` lets a partner drop what it has seen.
 */
export function nativePartnerMessage(record: EnrichedRecord): string {
  if (record.type === 'article.withdrawn') {
    return JSON.stringify({ type: record.type, id: record.id, version: record.version, withdrawnAt: record.withdrawnAt });
  }
  return JSON.stringify({
    type: record.type,
    id: record.article.id,
    version: record.article.version,
    article: record.article,
    enrichment: record.enrichment,
  });
}
