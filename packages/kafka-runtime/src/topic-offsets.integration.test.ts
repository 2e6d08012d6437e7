import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from './client.js';
import { KeyedProducer } from './producer.js';
import { testKafka, uniqueName } from './testing.js';
import { TopicOffsets } from './topic-offsets.js';

const kafka = testKafka();
const producer = new KeyedProducer(kafka);
const offsets = new TopicOffsets(kafka);
afterAll(() => Promise.all([producer.stop(), offsets.stop()]));

describe('TopicOffsets.messageCount', () => {
  it('counts the messages of every partition, and again after more arrive', async () => {
    const topic = uniqueName('offsets');
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }]);
    expect(await offsets.messageCount(topic)).toBe(0);
    // Keys spread the records over the partitions; the send resolves once the broker has them all.
    await producer.send(
      topic,
      ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, value: key, headers: {} })),
    );
    expect(await offsets.messageCount(topic)).toBe(5);
    await producer.send(topic, [{ key: 'f', value: 'f', headers: {} }]);
    expect(await offsets.messageCount(topic)).toBe(6);
  });
});
