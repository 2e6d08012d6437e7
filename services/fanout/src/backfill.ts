import { type EnrichedRecord, fromKafkaRecord } from '@syndicate/contracts';
import { type Kafka, readTopicToEnd } from '@syndicate/kafka-runtime';

/**
 * Reads `article-enriched` from `sinceMs` up to where it ended when the backfill began (readTopicToEnd: a
 * throwaway group, deleted afterwards), and returns the latest version of every article in that range
 * (withdrawn ones left out), oldest first. The topic is compacted, so this is at most one record per article
 * plus what came since.
 */
export async function readEnrichedSince(
  kafka: Kafka,
  topic: string,
  sinceMs: number,
  onProgress: (read: number, total: number) => void,
): Promise<EnrichedRecord[]> {
  const latest = new Map<string, { record: EnrichedRecord; version: number; at: number }>();
  const { read, total } = await readTopicToEnd(
    kafka,
    topic,
    (batch) => {
      for (const message of batch.messages) {
        try {
          const { data } = fromKafkaRecord(message.headers, message.value);
          const record = data as EnrichedRecord;
          const id = record.type === 'article.withdrawn' ? record.id : record.article.id;
          const version = record.type === 'article.withdrawn' ? record.version : record.article.version;
          if ((latest.get(id)?.version ?? 0) < version) latest.set(id, { record, version, at: Number(message.timestamp) });
        } catch {
          // Unreadable records were dead-lettered by the fanout already; a backfill skips them.
        }
      }
      onProgress(batch.read, batch.total);
    },
    { sinceMs, groupPrefix: 'backfill' },
  );
  onProgress(read, total);
  return [...latest.values()]
    .filter((l) => l.record.type !== 'article.withdrawn')
    .sort((a, b) => a.at - b.at)
    .map((l) => l.record);
}
