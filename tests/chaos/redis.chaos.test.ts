/**
 * Chaos, Redis: the whole stack on a Redis of its own run as the project runs it (AOF, appendfsync
 * everysec, noeviction), restarted in the middle of a load. Queued deliveries, feed contents and embargo
 * holds live in Redis; with AOF none of them is lost, so every accepted article reaches every subscriber.
 */

import { ownRedis } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from './harness.js';

let redis: Awaited<ReturnType<typeof ownRedis>>;
let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  redis = await ownRedis();
  stack = await startStack({ redisUrl: redis.url });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
}, 60_000);

describe('Redis restarted under load', () => {
  it('loses no delivery', async () => {
    await stack.load('redis', 60, 10, async (n) => {
      if (n === 20) await redis.restart();
    });
    const { feedDuplicates, versionsWithTwoWebhookIds } = await stack.allArrived();
    expect(feedDuplicates).toBe(0);
    expect(versionsWithTwoWebhookIds).toEqual([]);
  }, 600_000);
});
