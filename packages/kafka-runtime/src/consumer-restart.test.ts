/**
 * restartOnCrash with a stand-in consumer: after a crash kafkajs will not restart from, the consumer is connected
 * and run again after the delay, again while that fails, never after its owner stopped it; crashes kafkajs
 * restarts itself are left to it.
 */
import { EventEmitter } from 'node:events';
import { createLogger } from '@syndicate/observability';
import type { Consumer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { restartOnCrash } from './consumer-restart.js';

const CRASH = 'consumer.crash';

function standIn(failConnects: number) {
  const emitter = new EventEmitter();
  const calls: string[] = [];
  let refusals = failConnects;
  const consumer = {
    events: { CRASH },
    on: (event: string, listener: (payload: unknown) => void) => emitter.on(event, listener),
    connect: async () => {
      calls.push('connect');
      if (refusals-- > 0) throw new Error('connect ECONNREFUSED');
    },
  } as unknown as Consumer;
  const crash = (restart: boolean) => emitter.emit(CRASH, { payload: { error: new Error('boom'), groupId: 'g', restart } });
  return { consumer, calls, crash };
}

const logger = createLogger('consumer-restart-test', 'silent');

// Fake timers: "no restart" is checked at the exact moment one would be due, not after a wait that could be
// too short on a loaded machine.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('restartOnCrash', () => {
  it('connects and runs a consumer again after a crash kafkajs gives up on, trying again while connecting fails', async () => {
    const { consumer, calls, crash } = standIn(2);
    let stopped = false;
    restartOnCrash(consumer, async () => void calls.push('run'), { logger, delayMs: 10, stopped: () => stopped });
    crash(true); // kafkajs restarts these itself
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual([]);
    crash(false);
    await vi.advanceTimersByTimeAsync(9);
    expect(calls).toEqual([]); // not before delayMs
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['connect']); // refused: tried again after another delayMs
    await vi.advanceTimersByTimeAsync(20);
    expect(calls).toEqual(['connect', 'connect', 'connect', 'run']);
    stopped = true;
    crash(false); // stopped on purpose: left alone
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancels a restart still waiting', async () => {
    const { consumer, calls, crash } = standIn(0);
    const cancel = restartOnCrash(consumer, async () => void calls.push('run'), { logger, delayMs: 30, stopped: () => false });
    crash(false);
    expect(vi.getTimerCount()).toBe(1);
    cancel();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual([]);
  });
});
