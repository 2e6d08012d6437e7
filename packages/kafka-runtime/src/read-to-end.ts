import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { KAFKA_RETRY, retryRetriable } from './client.js';

/** A partition's next messages, in offset order: none before the start of the read nor at or past its end. */
export interface TopicReadBatch {
  partition: number;
  messages: KafkaMessage[];
  /** Messages given so far, this batch's included. */
  read: number;
  /** Offsets the read spans; a compacted topic holds fewer records than that, so `read` may end below it. */
  total: number;
}

/** Where a partition ended when the read began: the offset a consumer following the topic goes on from. */
export interface PartitionEnd {
  partition: number;
  offset: string;
}

export interface TopicReadResult {
  /** Every partition's, in partition order. */
  ends: PartitionEnd[];
  read: number;
  total: number;
}

export interface ReadTopicToEndOptions {
  /** Start at each partition's first record at or after this time (ms since the epoch). Default: the beginning. */
  sinceMs?: number;
  /** The throwaway group is `${groupPrefix}-<uuid>`, so that a look at the broker meanwhile says whose it is. */
  groupPrefix?: string;
  /** The read fails when no batch arrives for this long, joining the group included (default 30 s). */
  idleTimeoutMs?: number;
}

/** A read that stopped moving: what it had reached of each partition it had not finished. */
export class TopicReadTimeoutError extends Error {
  constructor(
    readonly topic: string,
    readonly idleTimeoutMs: number,
    readonly behind: Array<{ partition: number; at: string; end: string }>,
  ) {
    const where = behind.map((b) => `partition ${b.partition} at ${b.at} of ${b.end}`).join(', ');
    super(`reading ${topic} to its end: nothing arrived for ${idleTimeoutMs} ms (${where})`);
    this.name = 'TopicReadTimeoutError';
  }
}

/**
 * Reads a topic from the beginning (or from `sinceMs`) up to where each partition ended when the call began,
 * handing the messages to `onBatch` one fetched batch of a partition at a time, and resolves once every
 * partition has reached that end. Records written meanwhile are left for whoever follows the topic from the
 * returned `ends`. Memory stays within kafkajs' fetch sizes: the next batch of a partition is fetched only
 * after `onBatch` has returned, and a finished partition is paused. Nothing is committed, and the throwaway
 * group is deleted at the end, whatever the outcome. Rejects with what `onBatch` throws, with a consumer crash
 * that kafkajs will not restart from, or with a `TopicReadTimeoutError`.
 *
 * A partition whose last records were all removed by compaction (a tombstone at its very end, older than
 * `delete.retention.ms`, in a rolled segment) never shows a message at its end: such a read times out.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onBatch: (batch: TopicReadBatch) => Promise<void> | void,
  options: ReadTopicToEndOptions = {},
): Promise<TopicReadResult> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const ranges = await offsetRanges(kafka, topic, options.sinceMs);
  const ends = ranges.map((r) => ({ partition: r.partition, offset: r.end.toString() }));
  /** The next offset to read of each partition not finished yet; the ends stay fixed. */
  const next = new Map(ranges.filter((r) => r.start < r.end).map((r) => [r.partition, r.start]));
  const endOf = new Map(ranges.map((r) => [r.partition, r.end]));
  const total = ranges.reduce((sum, r) => sum + Number(r.end - r.start), 0);
  let read = 0;
  if (next.size === 0) return { ends, read, total };

  const groupId = `${options.groupPrefix ?? 'read-to-end'}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, retry: KAFKA_RETRY });
  let settle!: (error?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  let failed = false;
  const fail = (error: unknown) => {
    failed = true;
    settle(error);
  };
  const idle = setTimeout(() => {
    const behind = [...next].map(([partition, at]) => ({ partition, at: at.toString(), end: String(endOf.get(partition)) }));
    fail(new TopicReadTimeoutError(topic, idleTimeoutMs, behind));
  }, idleTimeoutMs);

  // Every join (the first, and again after a rebalance or a restart kafkajs makes) goes on from what was read,
  // before the first fetch: never from the beginning again, never from a committed offset (there is none).
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const [partition, offset] of next) consumer.seek({ topic, partition, offset: offset.toString() });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const from = next.get(batch.partition);
        const end = endOf.get(batch.partition);
        if (failed || from === undefined || end === undefined) return; // finished, or fetched before the seek
        const messages = batch.messages.filter((m) => BigInt(m.offset) >= from && BigInt(m.offset) < end);
        idle.refresh();
        if (messages.length > 0) {
          read += messages.length;
          try {
            await onBatch({ partition: batch.partition, messages, read, total });
          } catch (error) {
            // Thrown on, kafkajs would retry the batch and restart the consumer for ever.
            fail(error);
            return;
          }
        }
        const after = BigInt(batch.lastOffset()) + 1n;
        if (after > from) next.set(batch.partition, after);
        if (after >= end) {
          next.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (next.size === 0) settle();
        }
      },
    });
    await done;
  } finally {
    clearTimeout(idle);
    await consumer.disconnect();
    await deleteGroup(kafka, groupId);
  }
  return { ends, read, total };
}

/** Each partition's first offset to read (the log start, or the first at or after `sinceMs`) and its end now. */
async function offsetRanges(kafka: Kafka, topic: string, sinceMs?: number) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const now = await retryRetriable(() => admin.fetchTopicOffsets(topic));
    const since = sinceMs === undefined ? undefined : await retryRetriable(() => admin.fetchTopicOffsetsByTimestamp(topic, sinceMs));
    // In partition order: kafkajs answers in the order the brokers did.
    return [...now]
      .sort((a, b) => a.partition - b.partition)
      .map(({ partition, low, high }) => {
        const end = BigInt(high);
        const found = since?.find((s) => s.partition === partition)?.offset;
        // kafkajs answers a time after every record with the end; a negative offset would mean the same.
        const start = found === undefined ? BigInt(low) : BigInt(found) < 0n ? end : BigInt(found);
        return { partition, start, end };
      });
  } finally {
    await admin.disconnect();
  }
}

/**
 * The group has no members left (disconnect left it) and no offsets. The broker would drop it by itself at its
 * next clean-up of groups (`offsets.retention.check.interval.ms`, 10 min), so a failure here leaves litter for
 * a while, nothing worse: it does not fail a read that succeeded.
 */
async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await retryRetriable(() => admin.deleteGroups([groupId]));
  } catch {
    // See above.
  } finally {
    await admin.disconnect();
  }
}
