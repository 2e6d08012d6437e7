import { type EnrichedRecord, fromKafkaRecord } from '@syndicate/contracts';
import { retryRetriable } from '@syndicate/kafka-runtime';
import type { Kafka } from 'kafkajs';

/**
 * Reads `article-enriched` from `sinceMs` up to where it ended when the backfill began, with a group of its
 * own, and returns the latest version of every article in that range (withdrawn ones left out), oldest
 * first. The topic is compacted, so this is at most one record per article plus what came since.
 */
export async function readEnrichedSince(
  kafka: Kafka,
  topic: string,
  sinceMs: number,
  onProgress: (read: number, total: number) => void,
): Promise<EnrichedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let starts: Array<{ partition: number; offset: string }>;
  let ends: Array<{ partition: number; high: string }>;
  try {
    starts = await retryRetriable(() => admin.fetchTopicOffsetsByTimestamp(topic, sinceMs));
    ends = await retryRetriable(() => admin.fetchTopicOffsets(topic));
  } finally {
    await admin.disconnect();
  }
  const endOf = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const pending = new Map(
    starts.flatMap((s) => {
      const end = endOf.get(s.partition) ?? 0n;
      const start = s.offset === '-1' ? end : BigInt(s.offset);
      return start < end ? [[s.partition, { start, end }] as const] : [];
    }),
  );
  const total = [...pending.values()].reduce((sum, p) => sum + Number(p.end - p.start), 0);
  const latest = new Map<string, { record: EnrichedRecord; version: number; at: number }>();
  if (total === 0) return [];

  const consumer = kafka.consumer({ groupId: `backfill-${Date.now()}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
  let read = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = pending.get(partition);
        if (!range || BigInt(message.offset) < range.start) return;
        read++;
        try {
          const { data } = fromKafkaRecord(message.headers, message.value);
          const record = data as EnrichedRecord;
          const id = record.type === 'article.withdrawn' ? record.id : record.article.id;
          const version = record.type === 'article.withdrawn' ? record.version : record.article.version;
          if ((latest.get(id)?.version ?? 0) < version) latest.set(id, { record, version, at: Number(message.timestamp) });
        } catch {
          // Unreadable records were dead-lettered by the fanout already; a backfill skips them.
        }
        if (read % 100 === 0) onProgress(read, total);
        if (BigInt(message.offset) + 1n >= range.end) {
          pending.delete(partition);
          if (pending.size === 0) finished();
        }
      },
    });
    for (const [partition, range] of pending) consumer.seek({ topic, partition, offset: range.start.toString() });
    await done;
  } finally {
    await consumer.disconnect();
  }
  onProgress(read, total);
  return [...latest.values()]
    .filter((l) => l.record.type !== 'article.withdrawn')
    .sort((a, b) => a.at - b.at)
    .map((l) => l.record);
}
