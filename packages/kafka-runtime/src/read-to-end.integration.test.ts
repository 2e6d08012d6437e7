/**
 * readTopicToEnd on a real broker: every record up to where each partition ended at the call, none written
 * meanwhile (those are the follower's), each partition in order; from a time when asked; and no consumer
 * group left on the broker afterwards, whether the read succeeded or failed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from './client.js';
import { KeyedProducer } from './producer.js';
import { readTopicToEnd, type TopicReadBatch } from './read-to-end.js';
import { testKafka, uniqueName } from './testing.js';

const kafka = testKafka();
const producer = new KeyedProducer(kafka);
const admin = kafka.admin();
afterAll(async () => {
  await producer.stop();
  await admin.disconnect();
});

const records = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, n) => ({ key: `${prefix}${n}`, value: `${prefix}${n}`, headers: {} }));

/** The groups on the broker whose name starts with `prefix`. */
async function groupsNamed(prefix: string): Promise<string[]> {
  await admin.connect();
  return (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
}

describe('readTopicToEnd', () => {
  it('reads every partition to where it ended at the call, not what is written meanwhile, and deletes its group', async () => {
    const topic = uniqueName('to-end');
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }]);
    await producer.start();
    await producer.send(topic, records('before-', 30));
    const groupPrefix = uniqueName('reader');
    const batches: TopicReadBatch[] = [];
    let groupsDuringRead: string[] = [];

    const result = await readTopicToEnd(
      kafka,
      topic,
      async (batch) => {
        if (batches.length === 0) {
          groupsDuringRead = await groupsNamed(groupPrefix);
          // Acknowledged by the broker before the read goes on: were the read to follow the topic, it would get them.
          await producer.send(topic, records('meanwhile-', 6));
        }
        batches.push(batch);
      },
      { groupPrefix },
    );

    const values = batches.flatMap((b) => b.messages.map((m) => m.value?.toString()));
    expect(values.sort()).toEqual(
      records('before-', 30)
        .map((r) => r.value)
        .sort(),
    );
    for (const batch of batches) {
      const offsets = batch.messages.map((m) => Number(m.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    expect(result).toMatchObject({ read: 30, total: 30 });
    expect(result.ends.reduce((sum, e) => sum + Number(e.offset), 0)).toBe(30);
    expect(batches.at(-1)?.read).toBe(30);
    expect(groupsDuringRead).toHaveLength(1); // the check below would pass for a group never made
    expect(await groupsNamed(groupPrefix)).toEqual([]);

    // The next read starts from the same beginning and ends at the new end: the six are there.
    const again: string[] = [];
    await readTopicToEnd(kafka, topic, (b) => void again.push(...b.messages.map((m) => String(m.value))));
    expect(again).toHaveLength(36);
  });

  it('starts at the first record at or after sinceMs', async () => {
    const topic = uniqueName('since');
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
    // Timestamps set by hand: the boundary is exact, whatever the clock did between the sends.
    const stamped = kafka.producer();
    await stamped.connect();
    const now = Date.now();
    const at = (prefix: string, timestamp: number) =>
      Array.from({ length: 4 }, (_, n) => ({ key: `${prefix}${n}`, value: prefix, timestamp: String(timestamp) }));
    try {
      await stamped.send({ topic, messages: [...at('old', now - 60_000), ...at('new', now - 30_000)] });
    } finally {
      await stamped.disconnect();
    }
    const values: string[] = [];
    const result = await readTopicToEnd(kafka, topic, (b) => void values.push(...b.messages.map((m) => String(m.value))), {
      sinceMs: now - 45_000,
    });
    expect(values).toEqual(['new', 'new', 'new', 'new']);
    expect(result).toMatchObject({ read: 4, total: 4 });
  });

  it('answers an empty topic at once, with its ends, and a failing onBatch with its error, leaving no group', async () => {
    const topic = uniqueName('empty');
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
    const groupPrefix = uniqueName('reader');
    const empty = await readTopicToEnd(kafka, topic, () => expect.fail('nothing to read'), { groupPrefix });
    expect(empty).toEqual({
      ends: [
        { partition: 0, offset: '0' },
        { partition: 1, offset: '0' },
      ],
      read: 0,
      total: 0,
    });

    await producer.start();
    await producer.send(topic, records('x', 4));
    const failing = readTopicToEnd(
      kafka,
      topic,
      () => {
        throw new Error('cannot apply');
      },
      { groupPrefix },
    );
    await expect(failing).rejects.toThrow('cannot apply');
    expect(await groupsNamed(groupPrefix)).toEqual([]);
  });
});
