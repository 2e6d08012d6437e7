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

  it('keeps every endpoint’s keys under one hash tag, so a batch’s take and give-back are one call on a Redis Cluster', async () => {
    const s = slots();
    const { token, granted } = await s.takeForBatch([
      { id: 'tag-a', maxConcurrency: 2 },
      { id: 'tag-b', maxConcurrency: 2 },
    ]);
    expect(granted).toEqual([true, true]);
    await s.markSlow('tag-a', 10_000);
    const written = await redis.keys(`${iso.redisKeyPrefix}*tag-*`);
    expect(written.sort()).toEqual(
      [
        endpointSlotKeys(iso.redisKeyPrefix, 'tag-a').slots,
        endpointSlotKeys(iso.redisKeyPrefix, 'tag-a').slow,
        endpointSlotKeys(iso.redisKeyPrefix, 'tag-b').slots,
      ].sort(),
    );
    expect(written.every((key) => key.startsWith(`${iso.redisKeyPrefix}{webhooks}:`))).toBe(true);
    await s.release(token, ['tag-a', 'tag-b']);
    expect(await redis.exists(endpointSlotKeys(iso.redisKeyPrefix, 'tag-b').slots)).toBe(0); // its one lease given back
  });
});
