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
});
