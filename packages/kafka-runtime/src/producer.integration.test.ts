/**
 * A send larger than the broker takes in one batch (1 MiB by default): 3 MB of records in one call are all
 * written, in order (a batch route of 500 long articles sends that much; it was refused whole, a 500). And a send
 * says where each of its records was written: the partition and offset the topic really holds it at.
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
    const produced = await producer.send(topic, records);
    // The send resolved once the broker had every record, so the topic holds exactly these now.
    const read = await readAll(kafka, topic);
    expect(read.map((m) => Number(m.value?.toString().split(':')[0]))).toEqual(records.map((_, n) => n));
    // Across chunks (several producer sends) too, each record's offset is the one it holds.
    expect(produced.map((p) => `${p.partition}:${p.offset}`)).toEqual(read.map((m) => `${m.partition}:${m.offset}`));
  });

  it("tells each record's partition and offset, as the topic holds them, over several partitions and sends", async () => {
    const topic = uniqueName('positions');
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }]);
    const records = (from: number) =>
      Array.from({ length: 20 }, (_, n) => ({ key: `k${(from + n) % 7}`, value: `${from + n}`, headers: {} }));
    const produced = [...(await producer.send(topic, records(0))), ...(await producer.send(topic, records(20)))];
    const read = await readAll(kafka, topic);
    const at = new Map(read.map((m) => [`${m.partition}:${m.offset}`, m.value?.toString()]));
    expect(new Set(produced.map((p) => p.partition)).size).toBeGreaterThan(1); // the keys spread over partitions
    expect(produced.map((p) => at.get(`${p.partition}:${p.offset}`))).toEqual(Array.from({ length: 40 }, (_, n) => `${n}`));
    expect(produced.every((p) => p.topic === topic)).toBe(true);
  });
});
