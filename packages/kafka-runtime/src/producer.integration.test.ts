/**
 * A send larger than the broker takes in one batch (1 MiB by default): 3 MB of records in one call are all
 * written, in order (a batch route of 500 long articles sends that much; it was refused whole, a 500).
 */
import { collectTopic, eventually, isolation, testKafka } from '@syndicate/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from './client.js';
import { KeyedProducer } from './producer.js';

const iso = isolation();
const kafka = testKafka();
const producer = new KeyedProducer(kafka);
afterAll(() => producer.stop());

describe('KeyedProducer.send', () => {
  it('writes a send larger than one broker batch, every record in order', async () => {
    const topic = `${iso.topicPrefix}large-send`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const records = Array.from({ length: 30 }, (_, n) => ({ key: 'same-key', value: `${n}:${'é'.repeat(50_000)}`, headers: {} }));
    await producer.send(topic, records);
    const read = await collectTopic(kafka, topic);
    try {
      await eventually(() => (read.messages.length === 30 ? true : undefined), 30_000, '30 records');
      expect(read.messages.map((m) => Number(m.value?.split(':')[0]))).toEqual(records.map((_, n) => n));
    } finally {
      await read.stop();
    }
  });
});
