/**
 * A send larger than the broker takes in one batch (1 MiB by default): 3 MB of records in one call are all
 * written, in order (a batch route of 500 long articles sends that much; it was refused whole, a 500).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from './client.js';
import { KeyedProducer } from './producer.js';
import { readAll, testKafka, uniqueName } from './testing.js';

const kafka = testKafka();
const producer = new KeyedProducer(kafka);
afterAll(() => producer.stop());

describe('KeyedProducer.send', () => {
  it('writes a send larger than one broker batch, every record in order', async () => {
    const topic = uniqueName('large-send');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const records = Array.from({ length: 30 }, (_, n) => ({ key: 'same-key', value: `${n}:${'é'.repeat(50_000)}`, headers: {} }));
    await producer.send(topic, records);
    // The send resolved once the broker had every record, so the topic holds exactly these now.
    const read = await readAll(kafka, topic);
    expect(read.map((m) => Number(m.value?.toString().split(':')[0]))).toEqual(records.map((_, n) => n));
  });
});
