/**
 * An embargo is absolute: an embargoed article that a backfill reads from `article-enriched` reaches no
 * feed, webhook batch or partner topic before its release time, and reaches all of them after it. And an
 * article that only partner-only (token) feeds match stays out of the public `all` feed.
 */
import { parseConfig } from '@syndicate/config';
import { type EnrichedArticle, newEventAttributes, type Subscription, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { ensureTopics, KeyedProducer } from '@syndicate/kafka-runtime';
import { BACKFILL_QUEUE, openQueue, openQueueEvents, WEBHOOK_BATCH_QUEUE } from '@syndicate/redis-runtime';
import { SubscriptionWriter } from '@syndicate/subscriptions';
import {
  cleanRedis,
  collectTopic,
  enrichedArticle,
  eventually,
  isolation,
  testKafka,
  testLogger,
  testRedis,
} from '@syndicate/test-support';
import type { WebhookBatchJob } from '@syndicate/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const iso = isolation();
const topics = topicNames(iso.topicPrefix);
const logger = testLogger('embargo-absolute');
const kafka = testKafka();
const redis = testRedis();
const producer = new KeyedProducer(kafka);
const fanout = new FanoutService(parseConfig(FanoutConfig, { ...iso.env, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger);
const subscriptions = new SubscriptionWriter(producer, topics.subscriptions);
const bull = { connection: redis, keyPrefix: iso.redisKeyPrefix };
const batches = openQueue<WebhookBatchJob>(WEBHOOK_BATCH_QUEUE, bull);
const backfills = openQueue(BACKFILL_QUEUE, bull);
const backfillEvents = openQueueEvents(BACKFILL_QUEUE, { ...bull, connection: testRedis() });

const subscription = (s: Record<string, unknown>) => ({ createdAt: new Date().toISOString(), filter: {}, ...s }) as Subscription;
const send = (record: EnrichedArticle) =>
  producer.send(topics.articleEnriched, [
    toKafkaRecord(newEventAttributes({ source: 'test', type: record.type, partitionkey: record.article.id }), record),
  ]);
const feedIds = async (slug: string) => (await fanout.feeds.list(slug)).map((r) => r.article.id);
const batchesFor = async (id: string) => (await batches.getJobs()).filter((job) => job.data.articleId === id);

let partner: Awaited<ReturnType<typeof collectTopic>>;
let lateBird: Awaited<ReturnType<typeof collectTopic>>;
const keysOf = (c: typeof partner) => c.messages.map((m) => m.key);

beforeAll(async () => {
  await ensureTopics(kafka, [
    { topic: topics.articleEnriched },
    { topic: topics.subscriptions },
    { topic: topics.partner('early') },
    { topic: topics.partner('late') },
  ]);
  await producer.start();
  await fanout.start();
  await backfillEvents.waitUntilReady();
  for (const s of [
    subscription({ id: 'sub-early-partner', type: 'partner-queue', partnerId: 'early', format: 'native' }),
    subscription({ id: 'sub-hook', type: 'webhook', url: 'https://hooks.example/in', secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=' }),
    subscription({
      id: 'sub-exclusive',
      type: 'feed',
      slug: 'exclusive',
      access: 'token',
      token: 'partner-token-of-enough-length-1',
      filter: { tags: ['exclusive'] },
    }),
  ]) {
    await subscriptions.put(s);
    await fanout.registry.waitFor(s.id);
  }
  partner = await collectTopic(kafka, topics.partner('early'));
  lateBird = await collectTopic(kafka, topics.partner('late'));
});

afterAll(async () => {
  await Promise.allSettled([partner?.stop(), lateBird?.stop(), fanout.stop(), producer.stop(), batches.close(), backfills.close()]);
  await backfillEvents.close();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('embargo through backfill', () => {
  it('a backfill run during the embargo releases nothing; the release reaches the new subscribers too', async () => {
    const releaseAt = Date.now() + 15_000;
    await send(enrichedArticle('secret-summit', 1, { tags: ['summit'], embargoUntil: new Date(releaseAt).toISOString() }));
    await eventually(() => redis.get(`${iso.redisKeyPrefix}fanout:embargoed:secret-summit`).then((v) => v ?? undefined), 20_000, 'held');

    // A partner and a feed that arrive during the embargo, each backfilled from article-enriched.
    for (const s of [
      subscription({ id: 'sub-late-partner', type: 'partner-queue', partnerId: 'late', format: 'native' }),
      subscription({ id: 'sub-late-feed', type: 'feed', slug: 'late', filter: { tags: ['summit'] } }),
    ]) {
      await subscriptions.put(s);
      await fanout.registry.waitFor(s.id);
      const job = await backfills.add('backfill', { subscriptionId: s.id, sinceMs: Date.now() - 3_600_000 });
      const progress = (await job.waitUntilFinished(backfillEvents, 30_000)) as { read: number; delivered: number };
      expect(progress.read).toBeGreaterThan(0); // it did read the embargoed record
      expect(progress.delivered).toBe(0);
    }
    expect(Date.now()).toBeLessThan(releaseAt); // the checks below ran during the embargo
    expect(await feedIds('all')).not.toContain('secret-summit');
    expect(await feedIds('late')).not.toContain('secret-summit');
    expect(await batchesFor('secret-summit')).toEqual([]);
    expect(keysOf(partner)).not.toContain('secret-summit');
    expect(keysOf(lateBird)).not.toContain('secret-summit');

    // At release it goes everywhere it matches, the late subscribers included, and not a moment before.
    await eventually(async () => ((await feedIds('late')).includes('secret-summit') ? true : undefined), 30_000, 'released');
    expect(Date.now()).toBeGreaterThanOrEqual(releaseAt);
    expect(await feedIds('all')).toContain('secret-summit');
    expect(await batchesFor('secret-summit')).toHaveLength(1);
    await eventually(() => (keysOf(partner).includes('secret-summit') && keysOf(lateBird).includes('secret-summit') ? true : undefined));
  }, 90_000);
});

describe('partner-only articles', () => {
  it('an article only token feeds match stays out of the public all feed; one that also matches elsewhere is in it', async () => {
    await send(enrichedArticle('scoop', 1, { tags: ['exclusive'] }));
    await send(enrichedArticle('ordinary', 1));
    await eventually(async () => ((await feedIds('all')).includes('ordinary') ? true : undefined), 20_000, 'ordinary filed');
    await eventually(async () => ((await feedIds('exclusive')).includes('scoop') ? true : undefined), 20_000, 'scoop filed');
    expect(await feedIds('all')).not.toContain('scoop');

    // An update that a public feed also matches is public; it then enters `all`.
    await subscriptions.put(
      subscription({ id: 'sub-public-exclusive', type: 'feed', slug: 'public-scoops', filter: { tags: ['exclusive'] } }),
    );
    await fanout.registry.waitFor('sub-public-exclusive');
    await send(enrichedArticle('scoop', 2, { tags: ['exclusive'] }));
    await eventually(async () => ((await feedIds('all')).includes('scoop') ? true : undefined), 20_000, 'scoop v2 in all');
  });
});
