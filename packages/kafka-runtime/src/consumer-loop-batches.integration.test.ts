/**
 * ConsumerLoop with `handleBatch`, on a real broker: messages of a partition are handled several at a time but
 * never two of one key in one call, so every key keeps its order; a failing call is narrowed down to the message
 * at fault, which alone is dead-lettered; and a group of messages is committed only once all of it was handled.
 */
import { deadLetterTopic } from '@syndicate/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ensureTopics } from './client.js';
import { ConsumerLoop } from './consumer-loop.js';
import { KeyedProducer } from './producer.js';
import { ok, TransientError } from './results.js';
import { readAll, testKafka, testLogger, uniqueName } from './testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Value = { key: string; n: number };

async function setUp() {
  const kafka = testKafka();
  const topic = uniqueName('batched');
  await ensureTopics(kafka, [
    { topic, numPartitions: 1 },
    { topic: deadLetterTopic(topic), numPartitions: 1 },
  ]);
  const producer = new KeyedProducer(kafka);
  await producer.start();
  cleanups.push(() => producer.stop());
  const send = (values: Value[]) =>
    producer.send(
      topic,
      values.map((v) => ({ key: v.key, value: JSON.stringify(v), headers: {} })),
    );
  return { kafka, topic, producer, send };
}

describe('ConsumerLoop.handleBatch against a real broker', () => {
  it('handles several messages a call, never one key twice in a call, each key in order; only the bad one is dead-lettered', async () => {
    const { kafka, topic, producer, send } = await setUp();
    const calls: Value[][] = [];
    const loop = new ConsumerLoop<Value>({
      kafka,
      groupId: `${topic}.group`,
      topics: [topic],
      producer,
      logger: testLogger(),
      batchSize: 50,
      decode: (message) => JSON.parse(message.value?.toString() ?? '') as Value,
      handleBatch: async (messages) => {
        if (messages.some((m) => m.value.n === 13)) throw new Error('unlucky number');
        calls.push(messages.map((m) => m.value));
        return messages.map(() => ok());
      },
    });
    cleanups.push(() => loop.stop());
    // Sent before the loop starts, so that they arrive in one fetch: five keys, six messages each, interleaved.
    await send(Array.from({ length: 30 }, (_, n) => ({ key: `k${n % 5}`, n })));
    await loop.start();

    await vi.waitFor(() => expect(calls.flat().length).toBeGreaterThanOrEqual(29), { timeout: 20_000, interval: 100 });
    // The dead letter is written before the loop goes on past 13, so it is there by now: exactly one.
    const dead = await readAll(kafka, deadLetterTopic(topic));
    expect(dead.map((m) => JSON.parse(m.value?.toString() ?? '').n)).toEqual([13]);

    const handled = calls.flat();
    expect(handled.map((v) => v.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n).filter((n) => n !== 13));
    expect(Math.max(...calls.map((c) => c.length))).toBeGreaterThan(1); // batched, not one by one
    for (const call of calls) expect(new Set(call.map((v) => v.key)).size).toBe(call.length);
    for (let k = 0; k < 5; k++) {
      const order = handled.filter((v) => v.key === `k${k}`).map((v) => v.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('commits a group only once all of it was handled: a group that fails is redone, none lost, none twice', async () => {
    const { kafka, topic, producer, send } = await setUp();
    const groupId = `${topic}.group`;
    const handled: number[] = [];
    let failures = 0;
    const loop = new ConsumerLoop<Value>({
      kafka,
      groupId,
      topics: [topic],
      producer,
      logger: testLogger(),
      batchSize: 10,
      transientRetries: 0, // the first failure hands the batch back to kafkajs, which fetches again from the committed offset
      decode: (message) => JSON.parse(message.value?.toString() ?? '') as Value,
      handleBatch: async (messages) => {
        // The second group fails once, after half of its effects (as a crash mid-group would).
        if ((messages[0]?.value.n ?? 0) >= 10 && failures++ === 0) {
          handled.push(...messages.slice(0, 5).map((m) => -m.value.n));
          throw new TransientError('Redis went away');
        }
        handled.push(...messages.map((m) => m.value.n));
        return messages.map(() => ok());
      },
    });
    cleanups.push(() => loop.stop());
    await send(Array.from({ length: 20 }, (_, n) => ({ key: `k${n}`, n })));
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset;

    await loop.start();
    await vi.waitFor(async () => expect(await committed()).toBe('20'), { timeout: 30_000, interval: 100 });
    // The first group once; the second's partial attempt (negative), then all of it again; nothing skipped.
    expect(handled).toEqual([
      ...Array.from({ length: 10 }, (_, n) => n),
      -10,
      -11,
      -12,
      -13,
      -14,
      ...Array.from({ length: 10 }, (_, n) => n + 10),
    ]);
  });
});
