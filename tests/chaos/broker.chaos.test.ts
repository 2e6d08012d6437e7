/**
 * Chaos, the broker: the whole stack on a Kafka of its own, which is killed with SIGKILL in the middle of
 * a load and started again. Articles the API refuses while the broker is down (503) are published again by
 * the load, as a client would; every accepted one reaches every subscriber, once.
 */

import { ownKafka } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from './harness.js';

let kafka: Awaited<ReturnType<typeof ownKafka>>;
let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  kafka = await ownKafka(1);
  stack = await startStack({ kafkaBrokers: kafka.brokers });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await kafka?.stop();
}, 60_000);

describe('the broker killed under load', () => {
  it('loses no accepted article once it is back', async () => {
    let restarted: Promise<void> | undefined;
    await stack.load('broker', 60, 10, async (n) => {
      if (n !== 20) return;
      await kafka.kill();
      // Started again in the background: meanwhile the load's next article is refused (503) and retried.
      restarted = kafka.start();
    });
    await restarted;
    console.error(`[chaos] refused for ${stack.refusals.join(', ')} ms while the broker was away`);
    const { feedDuplicates, versionsWithTwoWebhookIds } = await stack.allArrived();
    expect(feedDuplicates).toBe(0);
    expect(versionsWithTwoWebhookIds).toEqual([]);
  }, 600_000);
});
