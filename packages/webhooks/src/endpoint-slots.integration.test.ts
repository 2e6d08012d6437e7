import { cleanRedis, isolation, testRedis } from '@syndicate/test-support';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EndpointSlots, endpointSlotKeys } from './endpoint-slots.js';

const iso = isolation();
const redis = testRedis();
const slots = (leaseMs = 10_000) => new EndpointSlots(redis, iso.redisKeyPrefix, leaseMs);

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
    // Leases are scored by the taker's clock: 400 ms on, the unreturned one has run out.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 400);
      expect(await s.takeOne(c)).not.toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps slow endpoints out of batches, but not their own queues', async () => {
    const s = slots();
    const slow = { id: 'slow', maxConcurrency: 5 };
    await s.markSlow('slow', 10_000);
    expect((await s.takeForBatch([slow, { id: 'fine', maxConcurrency: 1 }])).granted).toEqual([false, true]);
    expect(await s.takeOne(slow)).not.toBeNull();
  });

  it('keeps an endpoint’s keys under a hash tag of its own (one cluster slot per endpoint)', async () => {
    const s = slots();
    const own = endpointSlotKeys(iso.redisKeyPrefix, 'tagged');
    const { token } = await s.takeForBatch([{ id: 'tagged', maxConcurrency: 2 }]);
    await s.markSlow('tagged', 10_000);
    expect((await redis.keys(`${iso.redisKeyPrefix}*tagged*`)).sort()).toEqual([own.slots, own.slow].sort());
    expect([own.slots, own.slow].every((key) => key.includes('{webhooks:tagged}'))).toBe(true);
    expect(await redis.zrange(own.slots, 0, -1)).toEqual([token]);
  });
});
