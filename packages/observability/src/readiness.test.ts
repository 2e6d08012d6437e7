import { describe, expect, it } from 'vitest';
import { Readiness } from './readiness.js';

const quietLogger = () => {
  const lines: Array<{ level: string; object: object; message: string }> = [];
  return {
    lines,
    warn: (object: object, message: string) => lines.push({ level: 'warn', object, message }),
    info: (object: object, message: string) => lines.push({ level: 'info', object, message }),
  };
};

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
    const readiness = new Readiness({
      checks: { hung: () => new Promise(() => {}), fine: async () => 'PONG' },
      logger: quietLogger(),
      timeoutMs: 50,
    });
    const startedAt = performance.now();
    expect(await readiness.current()).toEqual({ ready: false, checks: { hung: 'down', fine: 'ok' } });
    expect(performance.now() - startedAt).toBeLessThan(500);
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
      broker = 'down';
      const seen = runs;
      await waitFor(() => readiness.isDown('kafka') && runs > seen);
      broker = 'hung';
      // A hung check holds up no probe: each answers from the last result.
      for (let i = 0; i < 5; i++) {
        const startedAt = performance.now();
        expect((await readiness.current()).checks.kafka).toBe('down');
        expect(performance.now() - startedAt).toBeLessThan(5);
      }
      broker = 'up';
      await waitFor(() => !readiness.isDown('kafka'));
    } finally {
      readiness.stop();
    }
    const stoppedAt = runs;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(stoppedAt); // stop() ends the background checks
  });
});

/** Waits for a condition the background checks bring about; fails after a second. */
async function waitFor(condition: () => boolean) {
  const deadline = Date.now() + 1_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 1 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
