import { isDeepStrictEqual } from 'node:util';
import type { Subscription } from '@syndicate/contracts';
import { ensureTopics } from '@syndicate/kafka-runtime';
import { eventually, isolation, testKafka, testLogger, testProducer } from '@syndicate/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { SubscriptionRegistry, SubscriptionWriter } from './registry.js';

describe('SubscriptionRegistry on a real broker', () => {
  const iso = isolation();
  const kafka = testKafka();
  const topic = `${iso.topicPrefix}subscriptions`;
  const registries: SubscriptionRegistry[] = [];
  const open = async () => {
    const registry = new SubscriptionRegistry({ kafka, topic, logger: testLogger() });
    registries.push(registry);
    await registry.start();
    return registry;
  };
  afterAll(async () => {
    await Promise.all(registries.map((r) => r.stop()));
  });

  it('follows changes live, and a restart rebuilds the same state from the topic', async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const producer = await testProducer(kafka);
    const writer = new SubscriptionWriter(producer, topic);
    const live = await open();
    expect(live.all()).toEqual([]);

    const feed: Subscription = {
      id: 'sub_feed',
      type: 'feed',
      slug: 'world',
      access: 'public',
      filter: { categories: ['World'] },
      createdAt: new Date().toISOString(),
    };
    const partner: Subscription = {
      id: 'sub_partner',
      type: 'partner-queue',
      partnerId: 'acme',
      format: 'native',
      createdAt: new Date().toISOString(),
    };
    await writer.put(feed);
    await writer.put(partner);
    await writer.put({ ...feed, filter: { categories: ['Sport'] } });
    await writer.delete(partner.id);
    await producer.send(topic, [{ key: 'sub_broken', value: '{"type":"nonsense"}', headers: {} }]); // ignored, not fatal

    const expected = [{ ...feed, filter: { categories: ['Sport'] } }];
    await eventually(() => (isDeepStrictEqual(live.all(), expected) ? true : undefined), 10_000, 'the live registry to settle');

    const restarted = await open();
    expect(restarted.all()).toEqual(expected);
    expect(restarted.ofType('feed').map((f) => f.slug)).toEqual(['world']);
    await producer.stop();
  });
});
