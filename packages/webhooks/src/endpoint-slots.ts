import { randomUUID } from 'node:crypto';
import { luaScript, type Redis } from '@syndicate/redis-runtime';

const TAKE = luaScript<Array<0 | 1>>('@syndicate/webhooks/lua/endpoint-slots-take.lua');
const GIVE_BACK = luaScript<number>('@syndicate/webhooks/lua/endpoint-slots-give-back.lua');

/**
 * An endpoint's keys. Every endpoint's are under one hash tag, `{webhooks}` (the attempt log's too): a batch takes
 * and gives back the slots of all its endpoints in one script call, which a Redis Cluster runs only when the keys
 * share a slot.
 */
export const endpointSlotKeys = (keyPrefix: string, endpointId: string) => ({
  /** Leases of its slots: a sorted set of tokens scored by expiry. */
  slots: `${keyPrefix}{webhooks}:slots:${endpointId}`,
  /** Set while it is kept out of batches (see markSlow). */
  slow: `${keyPrefix}{webhooks}:slow:${endpointId}`,
});

/** Whether an endpoint is kept out of batches now (EndpointSlots.markSlow), for operators to see. */
export async function endpointIsSlow(redis: Redis, keyPrefix: string, endpointId: string): Promise<boolean> {
  return (await redis.exists(endpointSlotKeys(keyPrefix, endpointId).slow)) === 1;
}

/** An endpoint (a webhook subscription will do). */
export interface SlotRequest {
  id: string;
  maxConcurrency: number;
}

/**
 * Each endpoint's concurrency, held across every delivery process and both ways a delivery is made (from an
 * article's batch or from the endpoint's own queue): a request to an endpoint needs one of its
 * `maxConcurrency` slots. Slots are leases in Redis that expire after the longest a request can take. The limit
 * is the caller's (the subscription's, as this process knows it), passed with every take: nothing else is read to
 * learn it. Whether an operator paused the endpoint is the batch plan's to see, from the subscription too.
 */
export class EndpointSlots {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly leaseMs: number,
  ) {}

  /**
   * For a batch: a slot at each endpoint that has one free and is not marked slow, in one round trip. Returns the
   * lease token and which requests got a slot.
   */
  async takeForBatch(requests: SlotRequest[]): Promise<{ token: string; granted: boolean[] }> {
    return this.take(requests, true);
  }

  /** For an endpoint's own queue (which serves it while it is slow): a slot, or none if all are taken. */
  async takeOne(request: SlotRequest): Promise<string | null> {
    const { token, granted } = await this.take([request], false);
    return granted[0] ? token : null;
  }

  private async take(requests: SlotRequest[], refuseSlow: boolean): Promise<{ token: string; granted: boolean[] }> {
    const token = randomUUID();
    if (requests.length === 0) return { token, granted: [] };
    const keys = requests.flatMap((r) => {
      const { slots, slow } = endpointSlotKeys(this.keyPrefix, r.id);
      return [slots, slow];
    });
    const granted = await TAKE.run(this.redis, keys, [
      Date.now(),
      this.leaseMs,
      token,
      refuseSlow ? '1' : '0',
      ...requests.map((r) => r.maxConcurrency),
    ]);
    return { token, granted: granted.map((g) => g === 1) };
  }

  /** Gives back the slots a token holds at these endpoints (a batch's, or one). */
  async release(token: string, endpointIds: string[]): Promise<void> {
    if (endpointIds.length === 0) return;
    await GIVE_BACK.run(
      this.redis,
      endpointIds.map((id) => endpointSlotKeys(this.keyPrefix, id).slots),
      [token],
    );
  }

  /** Keeps an endpoint that did not answer in time out of batches for a while: its own queue serves it. */
  async markSlow(endpointId: string, forMs: number): Promise<void> {
    await this.redis.set(endpointSlotKeys(this.keyPrefix, endpointId).slow, String(Date.now()), 'PX', forMs);
  }
}
