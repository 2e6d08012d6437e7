import { afterEach, describe, expect, it, vi } from 'vitest';
import { Readiness } from './readiness.js';

const quietLogger = () => {
  const lines: Array<{ level: string; object: object; message: string }> = [];
  return {
    lines,
    warn: (object: object, message: string) => lines.push({ level: 'warn', object, message }),
    info: (object: object, message: string) => lines.push({ level: 'info', object, message }),
  };
};

// Fake timers where time matters: a timeout or an interval is checked at the exact moment it is due, not by
// a wait or a stopwatch that a loaded machine can upset.
afterEach(() => {
  vi.useRealTimers();
});

/** A promise's outcome so far, without waiting for it. */
function outcome<T>(promise: Promise<T>) {
  const seen: { value?: T; settled: boolean } = { settled: false };
  void promise.then((value) => Object.assign(seen, { value, settled: true }));
  return seen;
}

describe('Readiness', () => {
  it('reuses a result for maxAgeMs and shares one run between concurrent callers', async () => {
    let clock = 0;
    let runs = 0;
    const readiness = new Readiness({
      checks: { a: async () => runs++ },
      logger: quietLogger(),
      maxAgeMs: 1_000,
      now: () => clock,
    });
    await Promise.all([readiness.current(), readiness.current(), readiness.current()]);
    expect(runs).toBe(1);
    clock = 999;
    await readiness.current();
    expect(runs).toBe(1);
    clock = 1_000;
    await readiness.current();
    expect(runs).toBe(2);
  });

  it('calls a check that does not answer within timeoutMs down, without waiting for it', async () => {
    vi.useFakeTimers();
    const readiness = new Readiness({
      checks: { hung: () => new Promise(() => {}), fine: async () => 'PONG' },
      logger: quietLogger(),
      timeoutMs: 50,
    });
    const answer = outcome(readiness.current());
    await vi.advanceTimersByTimeAsync(49);
    expect(answer.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(answer.value).toEqual({ ready: false, checks: { hung: 'down', fine: 'ok' } });
  });

  it('says only ok or down, and logs the reason once per change', async () => {
    let failure: Error | undefined = new Error('connect ECONNREFUSED 10.1.2.3:9092');
    let clock = 0;
    const logger = quietLogger();
    const readiness = new Readiness({
      checks: {
        kafka: async () => {
          if (failure) throw failure;
        },
        redis: () => {
          throw new Error('thrown, not rejected');
        },
      },
      logger,
      now: () => clock,
    });
    const result = await readiness.current();
    expect(result).toEqual({ ready: false, checks: { kafka: 'down', redis: 'down' } });
    clock += 2_000;
    await readiness.current();
    failure = undefined;
    clock += 2_000;
    expect((await readiness.current()).checks.kafka).toBe('ok');
    expect(logger.lines).toEqual([
      { level: 'warn', object: { check: 'kafka', reason: 'connect ECONNREFUSED 10.1.2.3:9092' }, message: 'readiness check failed' },
      { level: 'warn', object: { check: 'redis', reason: 'thrown, not rejected' }, message: 'readiness check failed' },
      { level: 'info', object: { check: 'kafka' }, message: 'readiness check ok again' },
    ]);
  });
});

describe('Readiness, started', () => {
  it('checks in the background: a probe never waits, and isDown says at once what the last check found', async () => {
    vi.useFakeTimers();
    let broker: 'up' | 'down' | 'hung' = 'up';
    let runs = 0;
    const readiness = new Readiness({
      checks: {
        kafka: () => {
          runs++;
          if (broker === 'hung') return new Promise(() => {});
          return broker === 'up' ? Promise.resolve() : Promise.reject(new Error('refused'));
        },
      },
      logger: quietLogger(),
      intervalMs: 20,
      timeoutMs: 50,
    });
    try {
      expect(readiness.isDown('kafka')).toBe(false); // nothing known yet
      expect(await readiness.start()).toEqual({ ready: true, checks: { kafka: 'ok' } });
      expect(runs).toBe(1);
      broker = 'down';
      await vi.advanceTimersByTimeAsync(19);
      expect(runs).toBe(1); // not before the interval
      await vi.advanceTimersByTimeAsync(1);
      expect(runs).toBe(2);
      expect(readiness.isDown('kafka')).toBe(true);
      broker = 'hung';
      await vi.advanceTimersByTimeAsync(20);
      expect(runs).toBe(3); // hanging now
      // A hung check holds up no probe: each answers from the last result, with no time passing at all.
      for (let i = 0; i < 5; i++) {
        const answer = outcome(readiness.current());
        await Promise.resolve();
        expect(answer.value?.checks.kafka).toBe('down');
      }
      broker = 'up';
      await vi.advanceTimersByTimeAsync(50); // the hung check times out; the next runs an interval later
      expect(readiness.isDown('kafka')).toBe(true);
      await vi.advanceTimersByTimeAsync(20);
      expect(runs).toBe(4);
      expect(readiness.isDown('kafka')).toBe(false);
    } finally {
      readiness.stop();
    }
    const stoppedAt = runs;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(stoppedAt); // stop() ends the background checks
  });
});
