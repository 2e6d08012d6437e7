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
import { ensureTopics, KeyedProducer, readTopicToEnd } from '@syndicate/kafka-runtime';
import { EMBARGO_QUEUE, openQueue, webhookQueueName } from '@syndicate/redis-runtime';
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
  // A retry well after the newer version's arrival (see the last test); nothing here waits for it.
  parseConfig(DeliveryConfig, { ...infra, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8', WEBHOOK_RETRY_SCHEDULE_MS: '5000' }),
  logger,
);

type Body = { type: string; data: { id: string; version: number } };
const parse = (body: string) => JSON.parse(body) as Body;
/** When each webhook request arrived, by article id. */
const arrivals = new Map<string, number[]>();
// Fails version 1 of "superseded" so that it waits for a retry when version 2 arrives.
const receiver = await startWebhookReceiver((request) => {
  const { data } = parse(request.body);
  arrivals.set(data.id, [...(arrivals.get(data.id) ?? []), Date.now()]);
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

/**
 * An article's messages on the partner topic, read to its end: all that is there now, whatever the collector
 * has seen yet. For checks that nothing arrived (or nothing more), and when it was written.
 */
async function onPartnerTopic(id: string) {
  const found: Array<{ type: string | undefined; writtenAt: number }> = [];
  await readTopicToEnd(kafka, topics.partner('acme'), ({ messages }) => {
    for (const m of messages)
      if (m.key?.toString() === id) found.push({ type: m.headers?.ce_type?.toString(), writtenAt: Number(m.timestamp) });
  });
  return found;
}

const bull = { connection: redis, keyPrefix: iso.redisKeyPrefix };
const embargoQueue = openQueue<{ articleId: string; version: number }>(EMBARGO_QUEUE, bull);
const hookQueue = openQueue<{ articleId: string; version: number }>(webhookQueueName('hook'), bull);
const UNFINISHED = ['delayed', 'waiting', 'prioritized', 'active'] as const;
/** Jobs of an article not finished yet: its embargo releases (completed ones are removed), or its webhook endpoint jobs. */
const unfinished = async (queue: typeof embargoQueue, id: string, version?: number) =>
  (await queue.getJobs([...UNFINISHED])).filter((j) => j.data.articleId === id && (version === undefined || j.data.version === version));

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
  await Promise.allSettled([
    acme?.stop(),
    fanout.stop(),
    delivery.stop(),
    producer.stop(),
    receiver.close(),
    embargoQueue.close(),
    hookQueue.close(),
  ]);
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
    // The feed is written after the partner messages are sent: waited for, not read at once.
    await eventually(async () => (!(await feedIds('world')).includes('kill@1') ? true : undefined), 20_000, 'kill@1 out of the feed');
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
    // Held: the fanout has handled it and scheduled its release. Nothing of it is out at that moment, and
    // whatever goes out later is checked to have gone at or after the release time (write and arrival times).
    await eventually(async () => ((await unfinished(embargoQueue, 'embargoed')).length === 1 ? true : undefined), 20_000, 'held');
    expect(await feedIds('world')).not.toContain('embargoed@1');
    expect(await onPartnerTopic('embargoed')).toEqual([]);
    expect(delivered('embargoed')).toEqual([]);
    await eventually(() => (toAcme('embargoed').length === 1 ? true : undefined), 20_000, 'released to the partner');
    expect(toAcme('embargoed')[0]?.ninjs).toMatchObject({ pubstatus: 'usable', embargoed: new Date(releaseAt).toISOString() });
    const [written] = await onPartnerTopic('embargoed');
    expect(written?.writtenAt).toBeGreaterThanOrEqual(releaseAt);
    await eventually(() => (delivered('embargoed').length === 1 ? true : undefined), 20_000, 'released to the webhook');
    expect(arrivals.get('embargoed')?.[0]).toBeGreaterThanOrEqual(releaseAt);
    expect(await feedIds('world')).toContain('embargoed@1');
  });

  it('a kill racing an embargo release wins: the article never leaves', async () => {
    const releaseAt = Date.now() + 1_500;
    await send(article('raced', 1, { embargoUntil: new Date(releaseAt).toISOString() }), withdrawal('raced', 2));
    // The kill handled, and no release of the article left to run (the kill takes it off the queue; had it
    // stayed, it would run at its time and find nothing to release): from then on nothing of it can leave.
    await eventually(async () => ((await fanout.feeds.get('raced'))?.withdrawn ? true : undefined), 20_000, 'the kill handled');
    await eventually(async () => ((await unfinished(embargoQueue, 'raced')).length === 0 ? true : undefined), 20_000, 'no release left');
    // A release sends to the partner after it adds the webhooks: nothing on the partner topic, no webhook either.
    expect(await onPartnerTopic('raced')).toEqual([]);
    expect(delivered('raced')).toEqual([]);
    expect(await feedIds('world')).not.toContain('raced@1');
    expect(await fanout.feeds.get('raced')).toMatchObject({ version: 2, withdrawn: true });
  });

  it('a kill sent at the very moment of release leaves everyone consistent: never sent, or sent and then killed', async () => {
    const releaseAt = Date.now() + 1_500;
    await send(article('photo-finish', 1, { embargoUntil: new Date(releaseAt).toISOString() }));
    await eventually(async () => ((await unfinished(embargoQueue, 'photo-finish')).length === 1 ? true : undefined), 20_000, 'held');
    // Not a wait for something to happen: the scenario itself, a kill sent at the release time.
    await new Promise((r) => setTimeout(r, releaseAt - Date.now()));
    await send(withdrawal('photo-finish', 2));
    await eventually(async () => ((await fanout.feeds.get('photo-finish'))?.withdrawn ? true : undefined), 20_000, 'the kill handled');
    await eventually(
      async () => ((await unfinished(embargoQueue, 'photo-finish')).length === 0 ? true : undefined),
      20_000,
      'the release done',
    );
    const partner = (await onPartnerTopic('photo-finish')).map((m) => m.type);
    // Released first: the kill then reached everyone the release did; its webhook is the last effect to wait for.
    // Not released: the kill matched nobody (the article was never out), so nothing more can come.
    if (partner.length > 0)
      await eventually(
        () => (delivered('photo-finish').some((b) => b.type === 'article.withdrawn') ? true : undefined),
        20_000,
        'the kill',
      );
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
    // v1's failed attempt becomes a job on the endpoint's queue, due 5 s later.
    await eventually(
      async () => ((await unfinished(hookQueue, 'superseded', 1)).length === 1 ? true : undefined),
      20_000,
      'v1 retry queued',
    );
    await send(article('superseded', 2));
    await eventually(() => (delivered('superseded').length === 1 ? true : undefined), 20_000, 'v2 delivered');
    // v2 takes v1's job off the queue (or the delivery drops it, were it running): once it is gone, no attempt
    // of v1 can come, without waiting for its retry time.
    await eventually(async () => ((await unfinished(hookQueue, 'superseded', 1)).length === 0 ? true : undefined), 20_000, 'v1 retry gone');
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
