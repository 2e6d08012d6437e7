import type { Redis } from '@syndicate/redis-runtime';
import { describe, expect, it } from 'vitest';
import { EndpointSlots, endpointSlotKeys } from './endpoint-slots.js';

describe('EndpointSlots', () => {
  it('gives back the slots a batch did lease when taking another endpoint’s failed, and fails', async () => {
    const released: string[] = [];
    // A Redis whose script call for endpoint b fails (its node away, say) and grants a slot elsewhere.
    const redis = {
      evalsha: async (_sha: string, _keys: number, slotsKey: string) => {
        if (slotsKey === endpointSlotKeys('p:', 'b').slots) throw new Error('Connection is closed.');
        return 1;
      },
      zrem: async (key: string, token: string) => {
        released.push(`${key} ${token}`);
        return 1;
      },
    } as unknown as Redis;
    const slots = new EndpointSlots(redis, 'p:', 10_000);
    await expect(
      slots.takeForBatch([
        { id: 'a', maxConcurrency: 1 },
        { id: 'b', maxConcurrency: 1 },
        { id: 'c', maxConcurrency: 1 },
      ]),
    ).rejects.toThrow('Connection is closed.');
    expect(released.map((r) => r.split(' ')[0])).toEqual([endpointSlotKeys('p:', 'a').slots, endpointSlotKeys('p:', 'c').slots]);
    expect(new Set(released.map((r) => r.split(' ')[1])).size).toBe(1); // the one lease token of the batch
  });
});
