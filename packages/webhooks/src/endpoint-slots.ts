import { randomUUID } from 'node:crypto';
import { luaScript, type Redis } from '@syndicate/redis-runtime';

const TAKE = luaScript<0 | 1>('@syndicate/webhooks/lua/endpoint-slot-take.lua');

/**
 * An endpoint's keys, under a hash tag of its own: one endpoint's slots and slow mark go to one Redis Cluster slot
 * (a script touches both), and different endpoints spread over the cluster rather than all sharing one node.
 */
export const endpointSlotKeys = (keyPrefix: string, endpointId: string) => ({
  /** Leases of its slots: a sorted set of tokens scored by expiry. */
  slots: `${keyPrefix}{webhooks:${endpointId}}:slots`,
  /** Set while it is kept out of batches (see markSlow). */
  slow: `${keyPrefix}{webhooks:${endpointId}}:slow`,
});

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
   * For a batch: a slot at each endpoint that has one free and is not marked slow. One script call per endpoint
   * (each on its endpoint's hash slot), sent together: on an auto-pipelining connection, one write. Returns the
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
    const now = Date.now();
    const results = await Promise.allSettled(
      requests.map(async ({ id, maxConcurrency }) => {
        const { slots, slow } = endpointSlotKeys(this.keyPrefix, id);
        return (await TAKE.run(this.redis, [slots, slow], [now, this.leaseMs, token, refuseSlow ? '1' : '0', maxConcurrency])) === 1;
      }),
    );
    const granted = results.map((r) => r.status === 'fulfilled' && r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      // The calls are apart, so some may have leased a slot: given back now (failing that, they expire).
      await this.release(
        token,
        requests.filter((_, i) => granted[i]).map((r) => r.id),
      ).catch(() => undefined);
      throw failed.reason;
    }
    return { token, granted };
  }

  /** Gives back the slots a token holds at these endpoints (a batch's, or one), sent together. */
  async release(token: string, endpointIds: string[]): Promise<void> {
    await Promise.all(endpointIds.map((id) => this.redis.zrem(endpointSlotKeys(this.keyPrefix, id).slots, token)));
  }

  /** Keeps an endpoint that did not answer in time out of batches for a while: its own queue serves it. */
  async markSlow(endpointId: string, forMs: number): Promise<void> {
    await this.redis.set(endpointSlotKeys(this.keyPrefix, endpointId).slow, String(Date.now()), 'PX', forMs);
  }
}
