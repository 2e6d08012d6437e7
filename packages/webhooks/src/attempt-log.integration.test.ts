import { cleanRedis, isolation, testRedis } from '@syndicate/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { AttemptLog } from './attempt-log.js';

const iso = isolation();
const redis = testRedis();

afterAll(async () => {
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('AttemptLog', () => {
  it('records many endpoints’ attempts in one call, newest first and bounded, and drops the given keys', async () => {
    const log = new AttemptLog(redis, iso.redisKeyPrefix, 3);
    const attempt = (n: number) => ({
      at: new Date(n).toISOString(),
      messageId: `msg_${n}`,
      attempt: 1,
      status: 204,
      latencyMs: 1,
      ok: true,
    });
    await redis.set(`${iso.redisKeyPrefix}mark`, '1');
    await log.record([
      { endpointId: 'x', attempt: attempt(1) },
      { endpointId: 'y', attempt: attempt(2), alsoDelete: [`${iso.redisKeyPrefix}mark`] },
      { endpointId: 'x', attempt: attempt(3) },
    ]);
    await log.record([4, 5, 6].map((n) => ({ endpointId: 'x', attempt: attempt(n) })));
    expect((await log.list('x')).map((a) => a.messageId)).toEqual(['msg_6', 'msg_5', 'msg_4']);
    expect((await log.list('y')).map((a) => a.messageId)).toEqual(['msg_2']);
    expect(await redis.exists(`${iso.redisKeyPrefix}mark`)).toBe(0);
    await log.record([]); // nothing to do, no error
  });

  it("gives an endpoint's health over its last attempts: success rate, p99 latency (nearest rank), last error", async () => {
    const log = new AttemptLog(redis, iso.redisKeyPrefix, 100);
    expect(await log.health('none')).toEqual({ attempts: 0, successRate: null, p99LatencyMs: null, lastError: null, lastAttemptAt: null });
    // 100 attempts of 1..100 ms, the 10th and 20th failed: the p99 of 100 is the 99th fastest.
    await log.record(
      Array.from({ length: 100 }, (_, n) => ({
        endpointId: 'z',
        attempt: {
          at: new Date(1_000 + n).toISOString(),
          messageId: `msg_${n}`,
          attempt: 1,
          status: n === 9 || n === 19 ? 500 : 204,
          latencyMs: n + 1.4,
          ok: n !== 9 && n !== 19,
        },
      })),
    );
    expect(await log.health('z')).toEqual({
      attempts: 100,
      successRate: 0.98,
      p99LatencyMs: 99,
      lastError: 'HTTP 500',
      lastAttemptAt: new Date(1_099).toISOString(),
    });
  });
});
