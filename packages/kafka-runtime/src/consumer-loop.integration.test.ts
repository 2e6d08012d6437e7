import { DLQ_HEADERS, deadLetterTopic } from '@syndicate/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ensureTopics } from './client.js';
import { ConsumerLoop } from './consumer-loop.js';
import { KeyedProducer } from './producer.js';
import { drop, ok } from './results.js';
import { readAll, testKafka, testLogger, uniqueName } from './testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function decodeNumber(value: Buffer | null): { n: number } {
  const parsed = JSON.parse(value?.toString() ?? 'null') as { n?: unknown } | null;
  if (typeof parsed?.n !== 'number') throw new Error('n must be a number');
  return { n: parsed.n };
}

async function setUp() {
  const kafka = testKafka();
  const topic = uniqueName('numbers');
  await ensureTopics(kafka, [
    { topic, numPartitions: 1 },
    { topic: deadLetterTopic(topic), numPartitions: 1 },
  ]);
  const producer = new KeyedProducer(kafka);
  await producer.start();
  cleanups.push(() => producer.stop());
  const send = (...values: string[]) =>
    producer.send(
      topic,
      values.map((value) => ({ key: 'k', value, headers: { trace: 'abc' } })),
    );
  return { kafka, topic, producer, send };
}

function numberLoop(kafka: ReturnType<typeof testKafka>, producer: KeyedProducer, topic: string, groupId: string, seen: number[]) {
  const loop = new ConsumerLoop<{ n: number }>({
    kafka,
    groupId,
    topics: [topic],
    producer,
    logger: testLogger(),
    decode: (message) => decodeNumber(message.value),
    handle: async ({ n }) => {
      if (n === 13) throw new Error('unlucky number');
      if (n < 0) return drop('negative');
      seen.push(n);
      return ok();
    },
  });
  cleanups.push(() => loop.stop());
  return loop;
}

describe('ConsumerLoop against a real broker', () => {
  it('dead-letters undecodable and failing messages with the reason, and keeps consuming', async () => {
    const { kafka, topic, producer, send } = await setUp();
    const seen: number[] = [];
    await numberLoop(kafka, producer, topic, `${topic}.group`, seen).start();

    await send('{"n":1}', 'not json at all', '{"n":13}', '{"n":-1}', '{"n":2}');
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 20_000, interval: 100 });
    expect(seen).toEqual([1, 2]);

    // Each dead letter is written before the loop goes on, so both are there once 2 is handled: exactly these.
    const dead = (await readAll(kafka, deadLetterTopic(topic))).map((m) => ({
      value: m.value?.toString(),
      headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([name, v]) => [name, v?.toString()])),
    }));
    expect(dead.map((m) => m.value)).toEqual(['not json at all', '{"n":13}']);
    expect(dead[0]?.headers).toMatchObject({ [DLQ_HEADERS.stage]: 'decode', [DLQ_HEADERS.originalTopic]: topic, trace: 'abc' });
    expect(dead[0]?.headers[DLQ_HEADERS.error]).toMatch(/JSON/);
    expect(dead[1]?.headers).toMatchObject({
      [DLQ_HEADERS.stage]: 'handle',
      [DLQ_HEADERS.error]: 'unlucky number',
      [DLQ_HEADERS.originalOffset]: '2',
    });
  });

  it('commits what it handled: a restarted member of the group resumes after it, none twice, none lost', async () => {
    const { kafka, topic, producer, send } = await setUp();
    const groupId = `${topic}.group`;
    const seen: number[] = [];
    const first = numberLoop(kafka, producer, topic, groupId, seen);
    await first.start();
    await send('{"n":1}', '{"n":2}');
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 20_000, interval: 100 });
    await first.stop(); // like SIGTERM: finish, commit, leave

    await send('{"n":3}');
    const second = numberLoop(kafka, producer, topic, groupId, seen);
    await second.start();
    await vi.waitFor(() => expect(seen).toHaveLength(3), { timeout: 20_000, interval: 100 });
    expect(seen).toEqual([1, 2, 3]);
  });
});
