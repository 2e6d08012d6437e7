/**
 * Chaos, one broker of three: the whole stack on a three-node cluster of its own (replication factor 3,
 * min.insync.replicas 2, acks=all); one node is killed with SIGKILL in the middle of a load and later
 * started again. Every accepted article reaches every subscriber, once, and the node rejoins.
 */

import { ownKafka } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from './harness.js';

let kafka: Awaited<ReturnType<typeof ownKafka>>;
let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  kafka = await ownKafka(3);
  stack = await startStack({ kafkaBrokers: kafka.brokers });
}, 400_000);
afterAll(async () => {
  await stack?.stop();
  await kafka?.stop();
}, 60_000);

describe('one node of three killed under load', () => {
  it('loses no accepted article', async () => {
    await stack.load('cluster', 60, 10, async (n) => {
      if (n === 20) await kafka.kill(2);
    });
    const { feedDuplicates, versionsWithTwoWebhookIds } = await stack.allArrived();
    expect(feedDuplicates).toBe(0);
    expect(versionsWithTwoWebhookIds).toEqual([]);
    // While the partitions the dead node led get new leaders the API refuses (503); a few seconds at most.
    const longestRefusalMs = Math.max(0, ...stack.refusals);
    console.error(`[chaos] longest stretch of refusals: ${longestRefusalMs} ms`);
    expect(longestRefusalMs).toBeLessThan(10_000);
    await kafka.start(); // node 2 rejoins with its id and data
    await stack.load('cluster-after', 10, 10);
    expect((await stack.allArrived()).feedDuplicates).toBe(0);
  }, 600_000);
});
