/**
 * The foundation's end-to-end journey on a real Kafka and Redis: the seed article, posted to the API,
 * travels through the enricher and fanout to the RSS feed, a signed webhook and a partner topic; a
 * schema-invalid event lands in the dead-letter topic while the pipeline keeps running; a withdrawal
 * reaches the feed and the webhook.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseArticleInput } from '@syndicate/article-parser';
import { parseConfig } from '@syndicate/config';
import { DLQ_HEADERS, deadLetterTopic, newEventAttributes, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { EnricherConfig, EnricherService } from '@syndicate/enricher';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { KeyedProducer } from '@syndicate/kafka-runtime';
import {
  cleanRedis,
  eventually,
  isolation,
  readTopic,
  startWebhookReceiver,
  testKafka,
  testLogger,
  testRedis,
} from '@syndicate/test-support';
import Parser from 'rss-parser';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SEED = join(import.meta.dirname, '..', '..', '..', 'shared', 'seeds', '000_6082e137c817fc36.txt');
const TOKEN = `e2e-${Math.random().toString(36).slice(2)}-token`;

const iso = isolation();
const infra = iso.env;
const topics = topicNames(iso.topicPrefix);
const logger = testLogger('e2e');

const api = new ApiService(
  parseConfig(ApiConfig, { ...infra, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8' }),
  logger,
);
const enricher = new EnricherService(parseConfig(EnricherConfig, { ...infra, ENRICHER_GROUP_ID: `enricher-${iso.id}` }), logger);
const fanout = new FanoutService(parseConfig(FanoutConfig, { ...infra, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger);
const delivery = new DeliveryService(
  parseConfig(DeliveryConfig, {
    ...infra,
    SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
    DELIVERY_TIMEOUT_MS: '5000',
    WEBHOOK_RETRY_SCHEDULE_MS: '200',
  }),
  logger,
);
// The endpoint fails its first request, so the delivery is retried with the same webhook-id.
const receiver = await startWebhookReceiver((_request, index) => (index === 0 ? 500 : 204));
const kafka = testKafka();
const redis = testRedis();

const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
};

const feedItems = async (slug: string) => {
  const response = await fetch(`${api.url}/feeds/${slug}.rss`);
  return (await new Parser().parseString(await response.text())).items;
};

beforeAll(async () => {
  await api.start(); // creates the topics
  await Promise.all([enricher.start(), fanout.start(), delivery.start()]);
});

afterAll(async () => {
  await Promise.allSettled([api.stop(), enricher.stop(), fanout.stop(), delivery.stop(), receiver.close()]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('one article through every stage', () => {
  const seed = parseArticleInput(readFileSync(SEED, 'utf8'));
  let webhookSecret = '';

  it('refuses requests without the token and bad input with reasons', async () => {
    expect((await call('POST', '/v1/articles', seed, null)).status).toBe(401);
    const invalid = await call('POST', '/v1/articles', { ...seed, body: [] });
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('at least one paragraph');
    const privateHook = await call('POST', '/v1/subscriptions', { type: 'webhook', url: 'http://10.0.0.8/hook' });
    expect(privateHook.status).toBe(400);
    expect(privateHook.json.message).toMatch(/refused/);
  });

  it('creates a webhook, a feed and a partner queue', async () => {
    const hook = await call('POST', '/v1/subscriptions', { type: 'webhook', url: receiver.url });
    expect(hook.status).toBe(201);
    webhookSecret = String(hook.json.secret);
    expect(webhookSecret).toMatch(/^whsec_/);
    expect((await call('POST', '/v1/subscriptions', { type: 'feed', slug: 'world', filter: { categories: ['World'] } })).status).toBe(201);
    expect((await call('POST', '/v1/subscriptions', { type: 'feed', slug: 'sport', filter: { categories: ['Sport'] } })).status).toBe(201);
    expect((await call('POST', '/v1/subscriptions', { type: 'partner-queue', partnerId: 'acme', format: 'native' })).status).toBe(201);
    const listed = await call('GET', '/v1/subscriptions');
    expect(JSON.stringify(listed.json)).not.toContain(webhookSecret); // shown once only
    // The pipeline's own registries must know them before the article arrives.
    await Promise.all(
      (listed.json.subscriptions as Array<{ id: string }>).flatMap((s) => [fanout.registry.waitFor(s.id), delivery.registry.waitFor(s.id)]),
    );
  });

  it('publishes the seed article: it reaches the RSS feeds, the webhook and the partner topic', async () => {
    const accepted = await call('POST', '/v1/articles', seed);
    expect(accepted.status).toBe(202);
    expect(accepted.json).toMatchObject({ id: seed.id, version: 1, type: 'article.published' });

    // RSS, read back by a real feed parser.
    const items = await eventually(
      async () => {
        const found = await feedItems('all');
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'the article in /feeds/all.rss',
    );
    expect(items[0]).toMatchObject({ title: seed.headline, guid: `tag:localhost,2026:article:${seed.id}` });
    expect(items[0]?.categories).toContain('World');
    expect(items[0]?.['content:encoded']).toContain('Kursk');
    expect((await feedItems('world')).map((i) => i.guid)).toEqual([`tag:localhost,2026:article:${seed.id}`]);
    expect(await feedItems('sport')).toEqual([]);

    // The webhook: failed once (500), retried with the same id, and the signature verifies.
    const deliveries = await eventually(
      () => (receiver.received.some((r) => r.status === 204) ? receiver.received : undefined),
      30_000,
      'a successful webhook',
    );
    expect(deliveries.map((d) => d.status)).toEqual([500, 204]);
    expect(deliveries[1]?.headers['webhook-id']).toBe(deliveries[0]?.headers['webhook-id']);
    const last = deliveries[1]!;
    const payload = new Webhook(webhookSecret).verify(last.body, {
      'webhook-id': String(last.headers['webhook-id']),
      'webhook-timestamp': String(last.headers['webhook-timestamp']),
      'webhook-signature': String(last.headers['webhook-signature']),
    }) as { type: string; data: { id: string; headline: string; enrichment: { entities: unknown[] } } };
    expect(payload.type).toBe('article.published');
    expect(payload.data).toMatchObject({ id: seed.id, headline: seed.headline });
    expect(payload.data.enrichment.entities.length).toBeGreaterThan(0);

    // The partner topic, keyed by article id.
    const [message] = await readTopic(kafka, topics.partner('acme'), 1);
    expect(message?.key).toBe(seed.id);
    expect(JSON.parse(message?.value ?? '{}')).toMatchObject({ type: 'article.published', id: seed.id, version: 1 });
  });

  it('dead-letters a schema-invalid event with the reason and keeps the pipeline running', async () => {
    const producer = new KeyedProducer(kafka);
    const attributes = newEventAttributes({ source: 'rogue-producer', type: 'article.published', partitionkey: 'bad-1' });
    await producer.send(topics.articleEvents, [toKafkaRecord(attributes, { id: 'bad-1', version: 1, body: ['no headline'] })]);
    await producer.stop();

    const [dead] = await readTopic(kafka, deadLetterTopic(topics.articleEvents), 1);
    expect(dead?.key).toBe('bad-1');
    expect(dead?.headers[DLQ_HEADERS.error]).toMatch(/headline/);
    expect(dead?.headers[DLQ_HEADERS.originalTopic]).toBe(topics.articleEvents);

    const next = await call('POST', '/v1/articles', {
      headline: 'Ferry service resumes after storm',
      body: ['Boats sailed again on Sunday.'],
      categories: ['World'],
    });
    expect(next.status).toBe(202);
    await eventually(
      async () => ((await feedItems('all')).some((i) => i.title === 'Ferry service resumes after storm') ? true : undefined),
      30_000,
      'the next article',
    );
  });

  it('`syndicate publish` of the same page again changes nothing; an edited file is an update, numbered by the API', async () => {
    const publish = (file: string) =>
      promisify(execFile)(
        process.execPath,
        [join(import.meta.dirname, '..', '..', 'bin', 'syndicate.js'), 'publish', '--api', api.url, file],
        {
          env: { ...process.env, SYNDICATE_ADMIN_TOKEN: TOKEN },
        },
      );
    const first = await publish(SEED);
    expect(first.stdout).toContain('accepted 1, rejected 0');
    const id = first.stdout.match(/accepted \S+: (\S+) v1/)?.[1];
    expect(id).toBeDefined();
    // The page carries no date: the CLI must not stamp it with the time of each run, or every retry of a
    // publish would be new content and an update to every subscriber.
    expect((await publish(SEED)).stdout).toContain(`: ${id} v1 (unchanged)`);

    const dir = mkdtempSync(join(tmpdir(), 'syndicate-publish-'));
    try {
      const article = join(dir, 'ferry.json');
      writeFileSync(article, JSON.stringify({ headline: 'Harbour reopens', body: ['Cranes moved again.'], categories: ['World'] }));
      const original = await publish(article);
      const articleId = original.stdout.match(/accepted \S+: (\S+) v1/)?.[1];
      expect(articleId).toBeDefined();
      writeFileSync(
        article,
        JSON.stringify({ headline: 'Harbour reopens', body: ['Cranes moved again on Monday.'], categories: ['World'] }),
      );
      expect((await publish(article)).stdout).toContain(`: ${articleId} v2`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('withdraws the article from the feeds and tells the webhook', async () => {
    const killed = await call('DELETE', `/v1/articles/${seed.id}`);
    expect(killed.status).toBe(202);
    expect(killed.json).toMatchObject({ id: seed.id, version: 2, type: 'article.withdrawn' });
    const guid = `tag:localhost,2026:article:${seed.id}`;
    await eventually(
      async () => (!(await feedItems('world')).some((i) => i.guid === guid) ? true : undefined),
      30_000,
      'the article gone from the feed',
    );
    expect((await feedItems('all')).map((i) => i.guid)).not.toContain(guid);
    expect((await feedItems('world')).map((i) => i.title)).toContain('Ferry service resumes after storm');
    await eventually(() => receiver.received.find((r) => r.body.includes('"article.withdrawn"')), 30_000, 'the withdrawal webhook');
    expect((await call('DELETE', '/v1/articles/never-published')).status).toBe(404);
  });
});
