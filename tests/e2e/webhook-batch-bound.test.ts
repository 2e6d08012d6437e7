/**
 * A batch larger than the process's bound on first attempts in flight (WEBHOOK_BATCH_MAX_IN_FLIGHT) sends
 * what fits straight away and hands the rest to the endpoints' own queues: every endpoint still gets its
 * delivery, once, signed.
 */
import { parseConfig } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { coreTopicSpecs, ensureTopics, KeyedProducer } from '@syndicate/kafka-runtime';
import { openQueue, WEBHOOK_BATCH_QUEUE, webhookQueueName } from '@syndicate/redis-runtime';
import { SubscriptionWriter } from '@syndicate/subscriptions';
import { cleanRedis, eventually, isolation, startWebhookReceiver, testKafka, testLogger, testRedis } from '@syndicate/test-support';
import { generateSecret, webhookBody, webhookMessageId } from '@syndicate/webhooks';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ENDPOINTS = 6;
const BOUND = 2;
const iso = isolation();
const logger = testLogger('batch-bound');
const redis = testRedis();
const kafka = testKafka();
const producer = new KeyedProducer(kafka);
const delivery = new DeliveryService(
  parseConfig(DeliveryConfig, { ...iso.env, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8', WEBHOOK_BATCH_MAX_IN_FLIGHT: String(BOUND) }),
  logger,
);
const receivers = await Promise.all(Array.from({ length: ENDPOINTS }, () => startWebhookReceiver()));
const secrets = receivers.map(() => generateSecret());
const bull = { connection: redis, keyPrefix: iso.redisKeyPrefix };
const batches = openQueue(WEBHOOK_BATCH_QUEUE, bull);
const endpointQueues = receivers.map((_, n) => openQueue(webhookQueueName(`bound-${n}`), bull));

beforeAll(async () => {
  await ensureTopics(kafka, coreTopicSpecs(topicNames(iso.topicPrefix)));
  await producer.start();
  await delivery.start();
  const writer = new SubscriptionWriter(producer, topicNames(iso.topicPrefix).subscriptions);
  for (const [n, receiver] of receivers.entries()) {
    const id = `bound-${n}`;
    await writer.put({
      id,
      type: 'webhook',
      url: receiver.url,
      secret: secrets[n] ?? '',
      previousSecrets: [],
      paused: false,
      maxConcurrency: 4,
      createdAt: new Date().toISOString(),
    });
    await delivery.registry.waitFor(id);
  }
});

afterAll(async () => {
  await Promise.allSettled([delivery.stop(), producer.stop(), batches.close(), ...endpointQueues.map((q) => q.close())]);
  await Promise.all(receivers.map((r) => r.close()));
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('a batch larger than the bound on first attempts in flight', () => {
  it('sends what fits at once and the rest from the endpoints’ queues, each once', async () => {
    const articleId = 'bound-article';
    const endpoints = receivers.map((_, n) => ({
      subscriptionId: `bound-${n}`,
      messageId: webhookMessageId({ endpointId: `bound-${n}`, articleId, version: 1, type: 'article.published' }),
    }));
    const body = webhookBody('article.published', { id: articleId, headline: 'Bounded' });
    await batches.add('article.published', { type: 'article.published', articleId, version: 1, body, attempts: 3, endpoints });

    await eventually(() => (receivers.every((r) => r.received.length === 1) ? true : undefined), 20_000, 'every endpoint');
    // Nothing left that could send again: the batch is done, and no endpoint job is waiting, delayed (a
    // retry, or the guard of an attempt that outlived the batch) or running.
    await eventually(
      async () => {
        const batch = await batches.getJobCounts('waiting', 'active', 'delayed', 'completed');
        const endpoints = await Promise.all(endpointQueues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
        const pending = [batch, ...endpoints].reduce(
          (sum, c) => sum + (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0),
          0,
        );
        return batch.completed === 1 && pending === 0 ? true : undefined;
      },
      20_000,
      'nothing left to send',
    );
    for (const [n, receiver] of receivers.entries()) {
      const request = receiver.received[0];
      const headers = Object.fromEntries(
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(request?.headers[h])]),
      );
      expect(() => new Webhook(secrets[n] ?? '').verify(request?.body ?? '', headers)).not.toThrow();
    }
    // All six in one batch, two at most at once from it: at least four went through their own queues.
    const handedOver = await Promise.all(endpointQueues.map((q) => q.getCompletedCount()));
    expect(handedOver.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ENDPOINTS - BOUND);
    expect(receivers.map((r) => r.received.length)).toEqual(receivers.map(() => 1)); // and each once
  });
});
