/**
 * Every lifecycle path through the fanout and delivery on a real Kafka and Redis: update, reordering
 * (version 3 before version 2), withdrawal, embargo release, a kill racing an embargo release, and a newer
 * version cancelling queued deliveries of an older one. Enriched records are produced straight to
 * `article-enriched`, as the enricher would write them.
 */
import { execFileSync } from 'node:child_process';
import { parseConfig } from '@syndicate/config';
import {
  type EnrichedArticle,
  type EnrichedRecord,
  newEventAttributes,
  type Subscription,
  toKafkaRecord,
  topicNames,
} from '@syndicate/contracts';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { ensureTopics, KeyedProducer } from '@syndicate/kafka-runtime';
import { SubscriptionWriter } from '@syndicate/subscriptions';
import {
  cleanRedis,
  collectTopic,
  enrichedArticle,
  eventually,
  isolation,
  KAFKA_BROKERS,
  ninjsValidator,
  startWebhookReceiver,
  testKafka,
  testLogger,
  testRedis,
} from '@syndicate/test-support';
import { generateSecret } from '@syndicate/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const iso = isolation();
const infra = iso.env;
const topics = topicNames(iso.topicPrefix);
const logger = testLogger('lifecycle');
const kafka = testKafka();
const redis = testRedis();
const producer = new KeyedProducer(kafka);
const validateNinjs = ninjsValidator();

const fanout = new FanoutService(parseConfig(FanoutConfig, { ...infra, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger);
const delivery = new DeliveryService(
  parseConfig(DeliveryConfig, { ...infra, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE_MS: '1500' }),
  logger,
);

type Body = { type: string; data: { id: string; version: number } };
const parse = (body: string) => JSON.parse(body) as Body;
// Fails version 1 of "superseded" so that it waits for a retry when version 2 arrives.
const receiver = await startWebhookReceiver((request) => {
  const { data } = parse(request.body);
  return data.id === 'superseded' && data.version === 1 ? 500 : 204;
});
const delivered = (id: string) =>
  receiver.received
    .filter((r) => r.status === 204)
    .map((r) => parse(r.body))
    .filter((b) => b.data.id === id);
let acme: Awaited<ReturnType<typeof collectTopic>>;
const toAcme = (id: string) =>
  acme.messages.filter((m) => m.key === id).map((m) => ({ type: m.headers.ce_type, ninjs: JSON.parse(m.value ?? '{}') }));
const feedIds = async (slug: string) => (await fanout.feeds.list(slug)).map((r) => `${r.article.id}@${r.article.version}`);

/** Every article here is in category World, so the `world` feed takes it. */
const article = (id: string, version: number, extra: Partial<EnrichedArticle['article']> = {}) =>
  enrichedArticle(id, version, { categories: ['World'], ...extra });
const withdrawal = (id: string, version: number): EnrichedRecord => ({
  type: 'article.withdrawn',
  id,
  version,
  withdrawnAt: new Date().toISOString(),
});

const send = (...records: EnrichedRecord[]) =>
  producer.send(
    topics.articleEnriched,
    records.map((record) => {
      const id = record.type === 'article.withdrawn' ? record.id : record.article.id;
      return toKafkaRecord(newEventAttributes({ source: 'test', type: record.type, partitionkey: id }), record);
    }),
  );

/** How many messages the fanout has dropped as stale: a signal that it has read past them. */
async function drops(): Promise<number> {
  const metric = await fanout.metrics.getSingleMetric('syndicate_consumer_messages_total')?.get();
  return metric?.values.filter((v) => v.labels.outcome === 'drop').reduce((sum, v) => sum + v.value, 0) ?? 0;
}

beforeAll(async () => {
  await fanout.start(); // creates the topics
  await delivery.start();
  await producer.start();
  const writer = new SubscriptionWriter(producer, topics.subscriptions);
  const createdAt = new Date().toISOString();
  const subscriptions: Subscription[] = [
    {
      id: 'hook',
      type: 'webhook',
      url: receiver.url,
      secret: generateSecret(),
      maxConcurrency: 10,
      previousSecrets: [],
      paused: false,
      createdAt,
    },
    { id: 'world', type: 'feed', slug: 'world', access: 'public', filter: { categories: ['World'] }, createdAt },
    { id: 'acme', type: 'partner-queue', partnerId: 'acme', format: 'ninjs', createdAt },
  ];
  for (const s of subscriptions) await writer.put(s);
  await Promise.all(subscriptions.flatMap((s) => [fanout.registry.waitFor(s.id), delivery.registry.waitFor(s.id)]));
  await ensureTopics(kafka, [{ topic: topics.partner('acme') }]);
  acme = await collectTopic(kafka, topics.partner('acme'));
});

afterAll(async () => {
  await Promise.allSettled([acme?.stop(), fanout.stop(), delivery.stop(), producer.stop(), receiver.close()]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('article lifecycle', () => {
  it('an update replaces the item and reaches webhooks and partners as article.updated', async () => {
    await send(article('upd', 1));
    await eventually(async () => ((await feedIds('world')).includes('upd@1') ? true : undefined), 20_000, 'v1 in the feed');
    await send(article('upd', 2, { headline: 'upd corrected' }));
    await eventually(async () => ((await feedIds('world')).includes('upd@2') ? true : undefined), 20_000, 'v2 in the feed');
    expect(await feedIds('world')).not.toContain('upd@1');
    await eventually(() => (delivered('upd').length === 2 ? true : undefined), 20_000, 'two webhooks');
    expect(delivered('upd').map((b) => `${b.type}@${b.data.version}`)).toEqual(['article.published@1', 'article.updated@2']);
    await eventually(() => (toAcme('upd').length === 2 ? true : undefined), 20_000, 'two partner messages');
    expect(toAcme('upd').map((m) => `${m.type}@${m.ninjs.version}/${m.ninjs.pubstatus}`)).toEqual([
      'article.published@1/usable',
      'article.updated@2/usable',
    ]);
    for (const m of toAcme('upd')) expect(validateNinjs(m.ninjs), JSON.stringify(validateNinjs.errors)).toBe(true);
  });

  it('drops version 2 when version 3 came first, everywhere', async () => {
    await send(article('reorder', 3));
    await eventually(async () => ((await feedIds('world')).includes('reorder@3') ? true : undefined), 20_000, 'v3 in the feed');
    const before = await drops();
    await send(article('reorder', 2));
    await eventually(async () => ((await drops()) > before ? true : undefined), 20_000, 'v2 dropped');
    expect(await feedIds('world')).toContain('reorder@3');
    await eventually(() => (delivered('reorder').length === 1 ? true : undefined), 20_000, 'the v3 webhook');
    expect(delivered('reorder').map((b) => b.data.version)).toEqual([3]);
    expect(toAcme('reorder').map((m) => m.ninjs.version)).toEqual(['3']);
  });

  it('a withdrawal takes the article out of feeds and sends article.withdrawn / canceled to all it reached', async () => {
    await send(article('kill', 1));
    await eventually(() => (toAcme('kill').length === 1 ? true : undefined), 20_000, 'published to the partner');
    await send(withdrawal('kill', 2));
    await eventually(() => (toAcme('kill').length === 2 ? true : undefined), 20_000, 'the kill at the partner');
    const [, killed] = toAcme('kill');
    expect(killed).toMatchObject({
      type: 'article.withdrawn',
      ninjs: { uri: 'urn:syndicate:article:kill', version: '2', pubstatus: 'canceled' },
    });
    expect(validateNinjs(killed?.ninjs)).toBe(true);
    expect(await feedIds('world')).not.toContain('kill@1');
    expect((await fanout.feeds.page('world', { limit: 50 })).tombstones.map((t) => t.id)).toContain('kill');
    await eventually(
      () => (delivered('kill').some((b) => b.type === 'article.withdrawn') ? true : undefined),
      20_000,
      'the withdrawal webhook',
    );
  });

  it('holds an embargoed article until its release time, then sends it everywhere', async () => {
    const releaseAt = Date.now() + 2_500;
    await send(article('embargoed', 1, { embargoUntil: new Date(releaseAt).toISOString() }));
    await new Promise((r) => setTimeout(r, 1_000)); // well before the release: nothing may have left
    expect(await feedIds('world')).not.toContain('embargoed@1');
    expect(toAcme('embargoed')).toEqual([]);
    expect(delivered('embargoed')).toEqual([]);
    await eventually(() => (toAcme('embargoed').length === 1 ? true : undefined), 20_000, 'released to the partner');
    expect(Date.now()).toBeGreaterThanOrEqual(releaseAt);
    expect(toAcme('embargoed')[0]?.ninjs).toMatchObject({ pubstatus: 'usable', embargoed: new Date(releaseAt).toISOString() });
    await eventually(() => (delivered('embargoed').length === 1 ? true : undefined), 20_000, 'released to the webhook');
    expect(await feedIds('world')).toContain('embargoed@1');
  });

  it('a kill racing an embargo release wins: the article never leaves', async () => {
    const releaseAt = Date.now() + 1_500;
    await send(article('raced', 1, { embargoUntil: new Date(releaseAt).toISOString() }), withdrawal('raced', 2));
    // Past the release time, and past a later article's delivery on the same path, nothing of it left.
    await new Promise((r) => setTimeout(r, releaseAt - Date.now() + 1_500));
    await send(article('after-race', 1));
    await eventually(() => (toAcme('after-race').length === 1 ? true : undefined), 20_000, 'a later article');
    expect(toAcme('raced')).toEqual([]);
    expect(delivered('raced')).toEqual([]);
    expect(await feedIds('world')).not.toContain('raced@1');
    expect(await fanout.feeds.get('raced')).toMatchObject({ version: 2, withdrawn: true });
  });

  it('a kill sent at the very moment of release leaves everyone consistent: never sent, or sent and then killed', async () => {
    const releaseAt = Date.now() + 1_500;
    await send(article('photo-finish', 1, { embargoUntil: new Date(releaseAt).toISOString() }));
    await new Promise((r) => setTimeout(r, releaseAt - Date.now()));
    await send(withdrawal('photo-finish', 2));
    await eventually(async () => ((await fanout.feeds.get('photo-finish'))?.withdrawn ? true : undefined), 20_000, 'the kill processed');
    await new Promise((r) => setTimeout(r, 2_000)); // let any release and its deliveries settle
    const partner = toAcme('photo-finish').map((m) => m.type);
    const hooks = delivered('photo-finish').map((b) => b.type);
    for (const seen of [partner, hooks]) {
      expect([[], ['article.published', 'article.withdrawn']]).toContainEqual(seen);
    }
    expect(await feedIds('world')).not.toContain('photo-finish@1');
  });

  it('a newer version cancels the queued delivery of the older one', async () => {
    await send(article('superseded', 1));
    await eventually(
      () => (receiver.received.some((r) => parse(r.body).data.id === 'superseded') ? true : undefined),
      20_000,
      'the failing v1 attempt',
    );
    await send(article('superseded', 2)); // v1 is waiting 1.5 s for its retry
    await eventually(() => (delivered('superseded').length === 1 ? true : undefined), 20_000, 'v2 delivered');
    await new Promise((r) => setTimeout(r, 3_000)); // past v1's retry time
    const attempts = receiver.received
      .filter((r) => parse(r.body).data.id === 'superseded')
      .map((r) => `${parse(r.body).data.version}:${r.status}`);
    expect(attempts).toEqual(['1:500', '2:204']);
  });

  it('an outside Kafka client (kcat) reads the partner topic: keyed by article id, every message valid ninjs', () => {
    const out = execFileSync('kcat', ['-b', KAFKA_BROKERS, '-C', '-t', topics.partner('acme'), '-o', 'beginning', '-e', '-q', '-J'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const messages = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { key: string; payload: string; headers?: string[] });
    expect(messages.length).toBeGreaterThanOrEqual(acme.messages.length);
    for (const message of messages) {
      const ninjs = JSON.parse(message.payload) as { uri: string };
      expect(validateNinjs(ninjs), JSON.stringify(validateNinjs.errors)).toBe(true);
      expect(ninjs.uri).toBe(`urn:syndicate:article:${message.key}`);
    }
    expect(messages.map((m) => m.key)).toContain('kill');
  });
});
