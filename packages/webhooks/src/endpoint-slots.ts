import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Per endpoint (three keys each): its slots (a sorted set of leases scored by expiry), its slow mark and its
// BullMQ queue's meta hash (where BullMQ marks a paused queue). ARGV: now, lease length, token, whether to
// refuse paused or slow endpoints, then each endpoint's concurrency. Returns 1 (a slot leased) or 0 each.
// Leases expire, so the slots of a killed process come back on their own.
const TAKE_SLOTS = `
local now = tonumber(ARGV[1])
local expires = now + tonumber(ARGV[2])
local gated = ARGV[4] == '1'
local granted = {}
for i = 1, #KEYS / 3 do
  local slots, slow, meta = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  granted[i] = 0
  if not gated or (redis.call('EXISTS', slow) == 0 and redis.call('HEXISTS', meta, 'paused') == 0) then
    local max, taken = tonumber(ARGV[4 + i]), redis.call('ZCARD', slots)
    if taken >= max then -- full: unless some leases have expired
      redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
      taken = redis.call('ZCARD', slots)
    end
    if taken < max then
      redis.call('ZADD', slots, expires, ARGV[3])
      redis.call('PEXPIRE', slots, ARGV[2])
      granted[i] = 1
    end
  end
end
return granted`;

// The slots (KEYS) that one lease token (ARGV[1]) holds, given back: one command for a whole batch.
const GIVE_BACK_SLOTS = `
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return #KEYS`;

type WithSlotScripts = Redis & {
  syndicateTakeSlots(keys: number, ...args: Array<string | number>): Promise<number[]>;
  syndicateGiveBackSlots(keys: number, ...args: string[]): Promise<number>;
};

/** An endpoint (a webhook subscription will do). */
export interface SlotRequest {
  id: string;
  maxConcurrency: number;
}

/**
 * Each endpoint's concurrency, held across every delivery process and both ways a delivery is made (from an
 * article's batch or from the endpoint's own queue): a request to an endpoint needs one of its
 * `maxConcurrency` slots. Slots are leases in Redis that expire after the longest a request can take.
 */
export class EndpointSlots {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** BullMQ's key prefix and the endpoint's queue name, to see whether an operator paused it. */
    private readonly queueMetaKey: (endpointId: string) => string,
    private readonly leaseMs: number,
  ) {
    if (!('syndicateTakeSlots' in redis)) redis.defineCommand('syndicateTakeSlots', { lua: TAKE_SLOTS });
    if (!('syndicateGiveBackSlots' in redis)) redis.defineCommand('syndicateGiveBackSlots', { lua: GIVE_BACK_SLOTS });
  }

  private slotsKey = (endpointId: string) => `${this.keyPrefix}webhooks:slots:${endpointId}`;
  private slowKey = (endpointId: string) => `${this.keyPrefix}webhooks:slow:${endpointId}`;

  /**
   * For a batch: a slot at each endpoint that has one free and is neither paused nor marked slow, in one
   * round trip. Returns the lease token and which requests got a slot.
   */
  async takeForBatch(requests: SlotRequest[]): Promise<{ token: string; granted: boolean[] }> {
    return this.take(requests, true);
  }

  /** For an endpoint's own queue (which pauses itself): a slot, or none if all are taken. */
  async takeOne(request: SlotRequest): Promise<string | null> {
    const { token, granted } = await this.take([request], false);
    return granted[0] ? token : null;
  }

  private async take(requests: SlotRequest[], gated: boolean): Promise<{ token: string; granted: boolean[] }> {
    const token = randomUUID();
    if (requests.length === 0) return { token, granted: [] };
    const keys = requests.flatMap((r) => [this.slotsKey(r.id), this.slowKey(r.id), this.queueMetaKey(r.id)]);
    const granted = await (this.redis as WithSlotScripts).syndicateTakeSlots(
      keys.length,
      ...keys,
      Date.now(),
      this.leaseMs,
      token,
      gated ? '1' : '0',
      ...requests.map((r) => r.maxConcurrency),
    );
    return { token, granted: granted.map((g) => g === 1) };
  }

  /** Gives back the slots a token holds at these endpoints (a batch's, or one). */
  async release(token: string, endpointIds: string[]): Promise<void> {
    if (endpointIds.length === 0) return;
    await (this.redis as WithSlotScripts).syndicateGiveBackSlots(endpointIds.length, ...endpointIds.map(this.slotsKey), token);
  }

  /** Keeps an endpoint that did not answer in time out of batches for a while: its own queue serves it. */
  async markSlow(endpointId: string, forMs: number): Promise<void> {
    await this.redis.set(this.slowKey(endpointId), String(Date.now()), 'PX', forMs);
  }
}
