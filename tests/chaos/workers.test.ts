/**
 * Chaos, the fast part (it runs in `npm test` too): under a steady load through the API, the enricher, the
 * fanout and the delivery service are each killed with SIGKILL in turn and started again by their
 * supervisor, as `npm start` does. Every accepted article still reaches every subscriber (webhook, feed,
 * partner topic), no feed holds an article twice, and no article version gets a second webhook id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from './harness.js';

let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.stop());

describe('workers killed under load', () => {
  it('lose no article: each of enricher, fanout and delivery SIGKILLed and restarted', async () => {
    const kills: Record<number, string> = { 10: 'enricher', 25: 'fanout', 40: 'delivery' };
    await stack.load('workers', 60, 10, (n) => {
      const victim = kills[n];
      if (victim) stack.kill(victim);
    });
    const { feedDuplicates, versionsWithTwoWebhookIds } = await stack.allArrived();
    expect(feedDuplicates).toBe(0);
    expect(versionsWithTwoWebhookIds).toEqual([]);
    for (const name of ['enricher', 'fanout', 'delivery']) expect(stack.supervisors.get(name)?.restarts).toBe(1);
  }, 300_000);
});
