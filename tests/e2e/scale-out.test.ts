/**
 * Two instances each of the enricher and the fanout, in one consumer group each, sharing the partitions:
 * every article reaches every matching subscriber, and no feed lists anything twice.
 */
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseConfig } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { EnricherConfig, EnricherService } from '@syndicate/enricher';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { ensureTopics } from '@syndicate/kafka-runtime';
import type { Registry } from '@syndicate/observability';
import {
  cleanRedis,
  collectTopic,
  eventually,
  isolation,
  startWebhookReceiver,
  testKafka,
  testLogger,
  testRedis,
} from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ARTICLES = 24;
const TOKEN = 'scale-out-admin-token';
const iso = isolation();
const infra = iso.env;
const logger = testLogger('scale-out');
const kafka = testKafka();
const redis = testRedis();

const api = new ApiService(
  parseConfig(ApiConfig, { ...infra, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8' }),
  logger,
);
const enrichers = [1, 2].map(
  () => new EnricherService(parseConfig(EnricherConfig, { ...infra, ENRICHER_GROUP_ID: `enricher-${iso.id}` }), logger),
);
const fanouts = [1, 2].map(() => new FanoutService(parseConfig(FanoutConfig, { ...infra, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger));
const delivery = new DeliveryService(parseConfig(DeliveryConfig, { ...infra, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8' }), logger);
const receiver = await startWebhookReceiver();
let partner: Awaited<ReturnType<typeof collectTopic>>;

const admin = (path: string, body: unknown) =>
  fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function handled(metrics: Registry): Promise<number> {
  const metric = await metrics.getSingleMetric('syndicate_consumer_messages_total')?.get();
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

beforeAll(async () => {
  await api.start();
  await ensureTopics(kafka, [{ topic: topicNames(iso.topicPrefix).partner('wire') }]);
  await Promise.all([...enrichers, ...fanouts].map((s) => s.start()));
  await delivery.start();
  for (const body of [
    { type: 'webhook', url: receiver.url },
    { type: 'feed', slug: 'even', filter: { tags: ['even'] } },
    { type: 'partner-queue', partnerId: 'wire', format: 'native', filter: { categories: ['Wire'] } },
  ]) {
    const created = (await (await admin('/v1/subscriptions', body)).json()) as { id: string };
    await Promise.all([...fanouts.map((f) => f.registry.waitFor(created.id)), delivery.registry.waitFor(created.id)]);
  }
  partner = await collectTopic(kafka, topicNames(iso.topicPrefix).partner('wire'));
});

afterAll(async () => {
  await Promise.allSettled([
    partner?.stop(),
    api.stop(),
    ...enrichers.map((s) => s.stop()),
    ...fanouts.map((s) => s.stop()),
    delivery.stop(),
    receiver.close(),
  ]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('two enrichers and two fanouts', () => {
  it('share the work, and every article reaches every matching subscriber once in every feed', async () => {
    const ids: string[] = [];
    for (let n = 0; n < ARTICLES; n++) {
      const response = await admin('/v1/articles', {
        id: `scale-${n}`,
        headline: `Scale-out story ${n}`,
        body: [`Story ${n} of ${ARTICLES}.`],
        categories: ['Wire'],
        tags: [n % 2 === 0 ? 'even' : 'odd'],
      });
      expect(response.status).toBe(202);
      ids.push(`scale-${n}`);
    }

    const webhookIds = () => new Set(receiver.received.map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id));
    await eventually(() => (webhookIds().size === ARTICLES ? true : undefined), 60_000, 'a webhook for every article');
    await eventually(
      () => (new Set(partner.messages.map((m) => m.key)).size === ARTICLES ? true : undefined),
      30_000,
      'every article on the partner topic',
    );
    expect([...webhookIds()].sort()).toEqual([...ids].sort());

    const all = (await fanouts[0]!.feeds.list('all', 100)).map((r) => r.article.id);
    const even = (await fanouts[0]!.feeds.list('even', 100)).map((r) => r.article.id);
    expect(all).toHaveLength(ARTICLES);
    expect(new Set(all).size).toBe(all.length); // nothing twice
    expect(even.sort()).toEqual(ids.filter((_, n) => n % 2 === 0).sort());

    // Both members of each group did part of the work.
    for (const service of [...enrichers, ...fanouts]) expect(await handled(service.metrics)).toBeGreaterThan(0);
  });
});
