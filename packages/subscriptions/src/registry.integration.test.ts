import { isDeepStrictEqual } from 'node:util';
import { Keyring } from '@syndicate/config';
import type { Subscription, WebhookSubscription } from '@syndicate/contracts';
import { ensureTopics } from '@syndicate/kafka-runtime';
import { eventually, isolation, readTopic, testKafka, testLogger, testProducer } from '@syndicate/test-support';
import { generateSecret } from '@syndicate/webhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { feedTokenHash } from './feed-tokens.js';
import { SubscriptionRegistry, SubscriptionWriter } from './registry.js';

describe('SubscriptionRegistry on a real broker', () => {
  const iso = isolation();
  const kafka = testKafka();
  const topic = `${iso.topicPrefix}subscriptions`;
  const registries: SubscriptionRegistry[] = [];
  const open = async (keyring?: Keyring, on = topic) => {
    const registry = new SubscriptionRegistry({ kafka, topic: on, logger: testLogger(), keyring });
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

    // Following goes on from where the load ended: what was loaded is not announced again before the new write.
    const changes: string[] = [];
    restarted.on('change', (change) => changes.push(change.id));
    await writer.put(partner);
    await restarted.waitFor(partner.id);
    expect(changes).toEqual([partner.id]);
    await producer.stop();
  });

  it('keeps secrets sealed on the topic: opened with any key of the ring, sealed again with the first, older plain records read', async () => {
    const sealedTopic = `${iso.topicPrefix}sealed-subscriptions`;
    await ensureTopics(kafka, [{ topic: sealedTopic, numPartitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const producer = await testProducer(kafka);
    const k1 = Keyring.generateEntry('k1');
    const k2 = Keyring.generateEntry('k2');
    const webhook = (id: string): WebhookSubscription => ({
      id,
      type: 'webhook',
      url: 'https://example.com/hook',
      maxConcurrency: 10,
      secret: generateSecret(),
      previousSecrets: [{ secret: generateSecret(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() }],
      paused: false,
      createdAt: new Date().toISOString(),
    });
    const before = webhook('sub_before_k2');
    const plain = webhook('sub_plain');
    const token = 'an-older-partner-token-0123456789';
    // Written with the old key alone; and two records as they were written before sealing.
    await new SubscriptionWriter(producer, sealedTopic, Keyring.parse(k1)).put(before);
    await new SubscriptionWriter(producer, sealedTopic).put(plain);
    await producer.send(sealedTopic, [
      {
        key: 'sub_old_feed',
        value: JSON.stringify({
          id: 'sub_old_feed',
          type: 'feed',
          slug: 'old',
          access: 'token',
          token,
          createdAt: new Date().toISOString(),
        }),
        headers: {},
      },
    ]);

    const raw = await readTopic(kafka, sealedTopic, 3);
    expect(raw[0]!.value).toMatch(/"secret":"enc:v1:k1:/);
    for (const secret of [before.secret, before.previousSecrets[0]!.secret]) expect(raw[0]!.value).not.toContain(secret);

    // Rotated: k2 seals, k1 still opens.
    const rotated = Keyring.parse(`${k2},${k1}`);
    const registry = await open(rotated, sealedTopic);
    expect(registry.get(before.id)).toEqual(before);
    expect(registry.get(plain.id)).toEqual(plain);
    expect(registry.get('sub_old_feed')).toMatchObject({ tokenHash: feedTokenHash(token) });

    // Written again (any change), each record is sealed with the first key; then k1 can go.
    const writer = new SubscriptionWriter(producer, sealedTopic, rotated);
    await writer.put(registry.get(before.id)!);
    await writer.put(registry.get(plain.id)!);
    await writer.put(registry.get('sub_old_feed')!);
    const rewritten = (await readTopic(kafka, sealedTopic, 6)).slice(3);
    expect(rewritten.map((m) => m.value?.match(/"secret":"enc:v1:(\w+):/)?.[1] ?? null)).toEqual(['k2', 'k2', null]);
    expect(rewritten[2]!.value).not.toContain(token);
    const withoutK1 = await open(Keyring.parse(k2), sealedTopic);
    // The record sealed with k1 alone does not open without it (and is left out, with an error logged);
    // its newer version does.
    expect(withoutK1.get(before.id)).toEqual(before);
    expect(withoutK1.get(plain.id)).toEqual(plain);
    await producer.stop();
  });
});
