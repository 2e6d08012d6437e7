/**
 * The fanout handles article-enriched several records at a time (consumer loop `handleBatch`, the articles of a
 * call at once over one auto-pipelined Redis connection). Properties: the end state is what one at a time gives
 * (each article's latest version in the feeds, a withdrawn one out of them, a stale version dropped, one webhook
 * batch job per article version still live), and a batch that fails part-way (Redis dropping a connection under
 * one article) is redone without losing or doubling anything. Where each version's partner message was written is
 * recorded, and each recorded partition and offset holds that very message in the partner topic.
 */
import { parseConfig } from '@syndicate/config';
import { type EnrichedRecord, newEventAttributes, type Subscription, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { coreTopicSpecs, ensureTopics } from '@syndicate/kafka-runtime';
import { openQueue, WEBHOOK_BATCH_QUEUE } from '@syndicate/redis-runtime';
import { SubscriptionWriter } from '@syndicate/subscriptions';
import {
  cleanRedis,
  collectTopic,
  enrichedArticle,
  eventually,
  isolation,
  testKafka,
  testLogger,
  testProducer,
  testRedis,
} from '@syndicate/test-support';
import type { WebhookBatchJob } from '@syndicate/webhooks';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FanoutConfig } from './config.js';
import { FanoutService } from './fanout-service.js';

const iso = isolation();
const topics = topicNames(iso.topicPrefix);
const kafka = testKafka();
const redis = testRedis();
const createdAt = new Date().toISOString();
const subscriptions: Subscription[] = [
  {
    id: 'wh-1',
    type: 'webhook',
    url: 'http://127.0.0.1:9/hook', // nothing delivers in this test: the jobs stay queued, to be counted
    maxConcurrency: 10,
    secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=',
    previousSecrets: [],
    paused: false,
    createdAt,
  },
  { id: 'feed-1', type: 'feed', slug: 'news', access: 'public', createdAt },
  { id: 'p-1', type: 'partner-queue', partnerId: 'wire', format: 'native', createdAt },
];
const fanout = new FanoutService(
  parseConfig(FanoutConfig, { ...iso.env, FANOUT_GROUP_ID: `fanout-${iso.id}`, FANOUT_BATCH_SIZE: '100' }),
  testLogger('fanout'),
);
const batchQueue = openQueue<WebhookBatchJob>(WEBHOOK_BATCH_QUEUE, { connection: redis, keyPrefix: iso.redisKeyPrefix });

const withdrawal = (id: string, version: number): EnrichedRecord => ({
  type: 'article.withdrawn',
  id,
  version,
  withdrawnAt: new Date().toISOString(),
});
const id = (r: EnrichedRecord) => (r.type === 'article.withdrawn' ? r.id : r.article.id);

afterAll(async () => {
  await fanout.stop();
  await batchQueue.close();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('fan-out in batches', () => {
  it('ends as one at a time would, and redoes a batch that failed part-way without loss or doubles', async () => {
    await ensureTopics(kafka, [...coreTopicSpecs(topics), { topic: topics.partner('wire') }]);
    const producer = await testProducer(kafka);
    const writer = new SubscriptionWriter(producer, topics.subscriptions);
    for (const s of subscriptions) await writer.put(s);
    // On the topic before the fanout starts, so they come in large fetches: 60 articles, then versions of three more.
    const records: EnrichedRecord[] = [
      ...Array.from({ length: 60 }, (_, n) => enrichedArticle(`b${n}`)),
      enrichedArticle('multi', 1),
      enrichedArticle('gone', 1),
      enrichedArticle('late', 2),
      enrichedArticle('multi', 2),
      withdrawal('gone', 2),
      enrichedArticle('late', 1), // stale: arrives after version 2
      enrichedArticle('multi', 3),
    ];
    await producer.send(
      topics.articleEnriched,
      records.map((r) => toKafkaRecord(newEventAttributes({ source: 'test', type: r.type, partitionkey: id(r), subject: id(r) }), r)),
    );
    await producer.stop();

    // Redis drops the connection under one article the first time: its whole batch is retried.
    const put = fanout.feeds.put.bind(fanout.feeds);
    let failed = false;
    vi.spyOn(fanout.feeds, 'put').mockImplementation(async (record, ...rest) => {
      if (record.article.id === 'b7' && !failed) {
        failed = true;
        throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      }
      return put(record, ...rest);
    });
    const calls = vi.spyOn(fanout as unknown as { processMany: (r: EnrichedRecord[]) => Promise<unknown> }, 'processMany');
    const partner = await collectTopic(kafka, topics.partner('wire'));
    await fanout.start();

    const latest = { multi: 3, gone: 2, late: 2 } as Record<string, number>;
    await eventually(
      async () => {
        for (const articleId of [...Array.from({ length: 60 }, (_, n) => `b${n}`), 'multi', 'gone', 'late']) {
          if ((await fanout.feeds.version(articleId)) !== (latest[articleId] ?? 1)) return undefined;
        }
        return true;
      },
      30_000,
      'every article at its latest version in the feed store',
    );
    expect(failed).toBe(true);
    expect(Math.max(...calls.mock.calls.map(([batch]) => batch.length))).toBeGreaterThan(1); // handled together

    const expectedLive = [...Array.from({ length: 60 }, (_, n) => `b${n}`), 'late', 'multi'].sort();
    for (const slug of ['all', 'news']) {
      const items = await fanout.feeds.list(slug, 500);
      expect(items.map((r) => r.article.id).sort()).toEqual(expectedLive);
      expect(items.find((r) => r.article.id === 'multi')?.article.version).toBe(3);
    }
    expect((await fanout.feeds.get('gone'))?.withdrawn).toBe(true);

    // One webhook batch job per live article version; the older versions' were taken off the queue.
    const jobs = (await batchQueue.getJobs(['waiting', 'prioritized', 'delayed'])).map(
      (j) => `${j.data.articleId} v${j.data.version} ${j.data.type}`,
    );
    expect(jobs.sort()).toEqual(
      [
        ...Array.from({ length: 60 }, (_, n) => `b${n} v1 article.published`),
        'gone v2 article.withdrawn',
        'late v2 article.updated',
        'multi v3 article.updated',
      ].sort(),
    );
    // Every live version reached the partner (at least once: the retried batch may send its messages again).
    await eventually(() => (expectedLive.every((a) => partner.messages.some((m) => m.key === a)) ? true : undefined), 20_000, 'partner');

    // Every recorded offset holds the message of that article, version and event in the topic (the batch redone
    // after the failure may have sent some twice: both copies are in the topic, and both recorded).
    const recorded = new Map<string, Awaited<ReturnType<typeof fanout.partnerOffsets.list>>>();
    for (const articleId of [...expectedLive, 'gone']) recorded.set(articleId, await fanout.partnerOffsets.list(articleId));
    const atOffset = (partition: number, offset: string) => partner.messages.find((m) => m.partition === partition && m.offset === offset);
    await eventually(
      () => ([...recorded.values()].flat().every((o) => atOffset(o.partition, o.offset)) ? true : undefined),
      20_000,
      'every recorded offset read back from the partner topic',
    );
    for (const [articleId, offsets] of recorded) {
      expect(offsets.length, articleId).toBeGreaterThan(0);
      for (const o of offsets) {
        expect(o.topic).toBe(topics.partner('wire'));
        expect(atOffset(o.partition, o.offset), `${articleId} v${o.version}`).toMatchObject({
          key: articleId,
          headers: { ce_type: o.type, 'syndicate-version': String(o.version) },
        });
      }
    }
    // Newest first: the last version sent is at the head; 'gone' ends withdrawn, the stale 'late' v1 never went.
    expect(recorded.get('multi')?.[0]?.version).toBe(3);
    expect(recorded.get('gone')?.[0]).toMatchObject({ version: 2, type: 'article.withdrawn' });
    expect(recorded.get('late')?.map((o) => o.version)).not.toContain(1);
    await partner.stop();
  });
});
