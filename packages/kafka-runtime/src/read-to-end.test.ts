/**
 * readTopicToEnd with a stand-in client, for what a real broker will not do on demand: batches that begin
 * before the start or run past the end, a re-join in the middle of a read, a crash, and a read that stops
 * moving (fake timers: the timeout is exact, not waited for).
 */
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readTopicToEnd, type TopicReadBatch, TopicReadTimeoutError } from './read-to-end.js';

type EachBatch = (payload: { batch: unknown }) => Promise<void>;

function standIn(partitions: Array<{ partition: number; low: string; high: string }>) {
  const calls: string[] = [];
  const emitter = new EventEmitter();
  let eachBatch: EachBatch | undefined;
  let running!: () => void;
  const run = new Promise<void>((resolve) => {
    running = resolve;
  });
  const admin = {
    connect: async () => {},
    disconnect: async () => {},
    fetchTopicOffsets: async () => partitions.map((p) => ({ ...p, offset: p.high })),
    deleteGroups: async (ids: string[]) => void calls.push(`delete ${ids.join()}`),
  };
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash' },
    on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
    connect: async () => {},
    subscribe: async () => {},
    run: async (options: { eachBatch: EachBatch }) => {
      eachBatch = options.eachBatch;
      running();
    },
    seek: ({ partition, offset }: { partition: number; offset: string }) => void calls.push(`seek ${partition}@${offset}`),
    pause: (topics: Array<{ partitions: number[] }>) => void calls.push(`pause ${topics.flatMap((t) => t.partitions).join()}`),
    disconnect: async () => void calls.push('disconnect'),
  };
  const kafka = {
    admin: () => admin,
    consumer: ({ groupId }: { groupId: string }) => {
      calls.push(`group ${groupId}`);
      return consumer;
    },
  } as unknown as Kafka;
  const batch = async (partition: number, offsets: number[]) => {
    await run;
    const messages = offsets.map((offset) => ({ offset: String(offset), value: Buffer.from(`${partition}@${offset}`) }));
    await eachBatch?.({ batch: { partition, messages, lastOffset: () => String(offsets.at(-1)) } });
  };
  return {
    kafka,
    calls,
    batch,
    join: async () => {
      await run;
      emitter.emit('join', {});
    },
    crash: (restart: boolean) => emitter.emit('crash', { payload: { error: new Error('boom'), groupId: 'g', restart } }),
  };
}

/** A promise's outcome so far, without waiting for it. */
function outcome<T>(promise: Promise<T>) {
  const seen: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { value, settled: true }),
    (error: unknown) => Object.assign(seen, { error, settled: true }),
  );
  return seen;
}

const PARTITIONS = [
  { partition: 0, low: '2', high: '5' },
  { partition: 1, low: '0', high: '3' },
];

afterEach(() => {
  vi.useRealTimers();
});

describe('readTopicToEnd', () => {
  it('hands over only what lies between the start and the end, goes on from where it was after a re-join, and ends at the end', async () => {
    const { kafka, calls, batch, join } = standIn(PARTITIONS);
    const batches: TopicReadBatch[] = [];
    const read = outcome(readTopicToEnd(kafka, 't', (b) => void batches.push(b), { groupPrefix: 'test' }));

    await join();
    await batch(0, [0, 1, 2, 3]); // fetched before the seek took effect: 0 and 1 are not the read's
    await join(); // a rebalance: no committed offsets, so the seeks alone keep the place
    await batch(1, [0, 1, 2]);
    expect(read.settled).toBe(false);
    await batch(0, [4, 5, 6]); // 5 and 6 were written after the read began
    await vi.waitFor(() => expect(read.settled).toBe(true));

    const given = batches.map((b) => `${b.partition}: ${b.messages.map((m) => m.offset).join(' ')} (${b.read}/${b.total})`);
    expect(given).toEqual(['0: 2 3 (2/6)', '1: 0 1 2 (5/6)', '0: 4 (6/6)']);
    expect(read.value).toEqual({
      ends: [
        { partition: 0, offset: '5' },
        { partition: 1, offset: '3' },
      ],
      read: 6,
      total: 6,
    });
    const group = calls[0]?.replace('group ', '');
    expect(group).toMatch(/^test-/);
    expect(calls.slice(1)).toEqual(['seek 0@2', 'seek 1@0', 'seek 0@4', 'seek 1@0', 'pause 1', 'pause 0', 'disconnect', `delete ${group}`]);
  });

  it('fails with the place of every unfinished partition once nothing arrived for idleTimeoutMs, and deletes its group', async () => {
    vi.useFakeTimers();
    const { kafka, calls, batch, join } = standIn(PARTITIONS);
    const read = outcome(readTopicToEnd(kafka, 'articles', () => {}, { idleTimeoutMs: 1_000 }));
    await join();
    await vi.advanceTimersByTimeAsync(600);
    await batch(0, [2]); // progress: the wait starts over
    await vi.advanceTimersByTimeAsync(999);
    expect(read.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(read.error).toBeInstanceOf(TopicReadTimeoutError);
    expect(read.error).toMatchObject({
      topic: 'articles',
      behind: [
        { partition: 0, at: '3', end: '5' },
        { partition: 1, at: '0', end: '3' },
      ],
    });
    expect(String(read.error)).toContain('nothing arrived for 1000 ms (partition 0 at 3 of 5, partition 1 at 0 of 3)');
    expect(calls.slice(-2)).toEqual(['disconnect', `delete ${calls[0]?.replace('group ', '')}`]);
  });

  it("fails with onBatch's error, handing nothing more over", async () => {
    const { kafka, calls, batch } = standIn(PARTITIONS);
    let handed = 0;
    const read = outcome(
      readTopicToEnd(kafka, 't', () => {
        handed++;
        throw new Error('cannot apply');
      }),
    );
    await batch(1, [0]);
    await batch(0, [2]);
    await vi.waitFor(() => expect(read.settled).toBe(true));
    expect(read.error).toMatchObject({ message: 'cannot apply' });
    expect(handed).toBe(1);
    expect(calls.at(-1)).toMatch(/^delete /);
  });

  it('fails on a crash kafkajs will not restart from, and leaves the others to kafkajs', async () => {
    const { kafka, batch, crash } = standIn(PARTITIONS);
    const read = outcome(readTopicToEnd(kafka, 't', () => {}));
    await batch(1, [0]); // running
    crash(true);
    await batch(1, [1]);
    expect(read.settled).toBe(false);
    crash(false);
    await vi.waitFor(() => expect(read.settled).toBe(true));
    expect(read.error).toMatchObject({ message: 'boom' });
  });

  it('reads nothing, and makes no group, when every partition is empty from its start; gives the ends in partition order', async () => {
    const { kafka, calls } = standIn([
      { partition: 1, low: '7', high: '7' },
      { partition: 0, low: '3', high: '3' },
    ]);
    expect(await readTopicToEnd(kafka, 't', () => expect.fail('nothing to read'))).toEqual({
      ends: [
        { partition: 0, offset: '3' },
        { partition: 1, offset: '7' },
      ],
      read: 0,
      total: 0,
    });
    expect(calls).toEqual([]);
  });
});
