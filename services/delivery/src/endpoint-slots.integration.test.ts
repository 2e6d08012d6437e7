import { cleanRedis, isolation, testRedis } from '@syndicate/test-support';
import { AttemptLog } from '@syndicate/webhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { EndpointSlots } from './endpoint-slots.js';

const iso = isolation();
const redis = testRedis();
const metaKey = (endpointId: string) => `${iso.redisKeyPrefix}bull:webhooks.${endpointId}:meta`;
const slots = (leaseMs = 10_000) => new EndpointSlots(redis, iso.redisKeyPrefix, metaKey, leaseMs);

afterAll(async () => {
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('EndpointSlots', () => {
  it('leases no more slots than an endpoint allows, across batches and single takes, until given back', async () => {
    const s = slots();
    const a = { id: 'a', maxConcurrency: 2 };
    const b = { id: 'b', maxConcurrency: 1 };
    const first = await s.takeForBatch([a, b]);
    expect(first.granted).toEqual([true, true]);
    const second = await s.takeForBatch([a, b]);
    expect(second.granted).toEqual([true, false]);
    expect(await s.takeOne(a)).toBeNull();
    await s.release(first.token, ['a', 'b']);
    expect(await s.takeOne(b)).not.toBeNull();
    expect(await s.takeOne(a)).not.toBeNull();
    expect(await s.takeOne(a)).toBeNull();
  });

  it('lets the slots of a lease nobody gave back (a killed process) expire', async () => {
    const s = slots(300);
    const c = { id: 'c', maxConcurrency: 1 };
    expect((await s.takeForBatch([c])).granted).toEqual([true]);
    expect(await s.takeOne(c)).toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    expect(await s.takeOne(c)).not.toBeNull();
  });

  it('keeps paused and slow endpoints out of batches, but not their own queues', async () => {
    const s = slots();
    const paused = { id: 'paused', maxConcurrency: 5 };
    const slow = { id: 'slow', maxConcurrency: 5 };
    await redis.hset(metaKey('paused'), 'paused', 1); // as BullMQ marks a paused queue
    await s.markSlow('slow', 10_000);
    expect((await s.takeForBatch([paused, slow, { id: 'fine', maxConcurrency: 1 }])).granted).toEqual([false, false, true]);
    expect(await s.takeOne(paused)).not.toBeNull();
    expect(await s.takeOne(slow)).not.toBeNull();
  });
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
