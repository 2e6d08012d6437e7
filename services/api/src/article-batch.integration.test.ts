/**
 * `POST /v1/articles/batch` on a real Kafka and Redis: one result per article in the order sent, invalid ones
 * reported in their place while the rest are accepted, identical content answered unchanged as the single route
 * answers it, every new version in one producer send, more than 500 refused, and Idempotency-Key honoured.
 */
import { parseConfig } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { cleanRedis, collectTopic, eventually, isolation, testKafka, testLogger, testRedis } from '@syndicate/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';

const iso = isolation();
const TOKEN = 'batch-test-admin-token';
const topics = topicNames(iso.topicPrefix);
const redis = testRedis();
const kafka = testKafka();
const api = new ApiService(parseConfig(ApiConfig, { ...iso.env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN }), testLogger('api'));
let events: Awaited<ReturnType<typeof collectTopic>>;

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
};
const batch = async (articles: unknown[], headers: Record<string, string> = {}) => {
  const { status, json, headers: h } = await post('/v1/articles/batch', { articles }, headers);
  return { status, headers: h, results: json.results as Array<Record<string, unknown>>, json };
};
const story = (id: string, text = `Text of ${id}.`) => ({ id, headline: `Headline ${id}`, body: [text] });

/** The events on article-events for these ids, once each has `count` of them. */
const eventsOf = async (ids: string[], count = 1) => {
  const of = (id: string) => events.messages.filter((m) => m.key === id);
  await eventually(() => (ids.every((id) => of(id).length >= count) ? true : undefined), 20_000, `events of ${ids.join(', ')}`);
  return ids.map((id) => of(id).map((m) => JSON.parse(m.value ?? '{}') as { id: string; version: number; headline: string }));
};

/** Counts producer sends to article-events (the property: one per batch). */
const sendsToArticleEvents = () => {
  const spy = vi.spyOn(api.deps.producer, 'send');
  return () => spy.mock.calls.filter(([topic]) => topic === topics.articleEvents).map(([, records]) => records.length);
};

beforeAll(async () => {
  await api.start();
  events = await collectTopic(kafka, topics.articleEvents);
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await events.stop();
  await api.stop();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('POST /v1/articles/batch', () => {
  it('answers one result per article in order, reports invalid ones in place and accepts the rest in one send', async () => {
    const sends = sendsToArticleEvents();
    const { status, results } = await batch([
      story('b1-a'),
      { id: 'b1-bad', headline: '', body: [] }, // blank headline, no paragraph
      story('b1-b'),
      'not an article',
      story('b1-c'),
    ]);
    expect(status).toBe(200);
    expect(results).toHaveLength(5);
    expect(results[0]).toEqual({ status: 202, id: 'b1-a', version: 1, type: 'article.published' });
    expect(results[1]).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(((results[1]?.issues ?? []) as Array<{ path: string }>).map((i) => i.path)).toEqual(
      expect.arrayContaining(['headline', 'body']),
    );
    expect(results[2]).toEqual({ status: 202, id: 'b1-b', version: 1, type: 'article.published' });
    expect(results[3]).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(results[4]).toEqual({ status: 202, id: 'b1-c', version: 1, type: 'article.published' });
    expect(sends()).toEqual([3]); // one send, three records

    const [a, b, c] = await eventsOf(['b1-a', 'b1-b', 'b1-c']);
    expect([a, b, c].map((e) => e?.map((x) => x.version))).toEqual([[1], [1], [1]]);
    expect(events.messages.some((m) => m.key === 'b1-bad')).toBe(false);
  });

  it('answers identical content unchanged, as the single route does, and versions changed content', async () => {
    expect((await post('/v1/articles', story('b2-a'))).status).toBe(202);
    const sends = sendsToArticleEvents();
    const { results } = await batch([
      { language: 'en', ...story('b2-a') }, // the same content, a default spelled out
      story('b2-b'),
      story('b2-b'), // twice in one batch: the second is the first's version, unchanged
      story('b2-c'),
      story('b2-c', 'Changed before the batch ended.'), // the same id with new content: the next version
      { ...story('b2-d'), version: 3 },
    ]);
    expect(results).toEqual([
      { status: 200, id: 'b2-a', version: 1, type: 'article.published', unchanged: true },
      { status: 202, id: 'b2-b', version: 1, type: 'article.published' },
      { status: 200, id: 'b2-b', version: 1, type: 'article.published', unchanged: true },
      { status: 202, id: 'b2-c', version: 1, type: 'article.published' },
      { status: 202, id: 'b2-c', version: 2, type: 'article.updated' },
      { status: 202, id: 'b2-d', version: 3, type: 'article.published' },
    ]);
    // The first occurrences in one send, the repeated id after it.
    expect(sends()).toEqual([3, 1]);
    const again = await batch([story('b2-b'), { ...story('b2-d'), version: 2 }]);
    expect(again.results).toEqual([
      { status: 200, id: 'b2-b', version: 1, type: 'article.published', unchanged: true },
      expect.objectContaining({ status: 409, error: 'stale_version', details: { latest: 3 } }),
    ]);
    const [a, b, c] = await eventsOf(['b2-a', 'b2-b', 'b2-c']);
    expect(a?.map((e) => e.version)).toEqual([1]);
    expect(b?.map((e) => e.version)).toEqual([1]);
    expect(c?.map((e) => [e.version, e.headline])).toEqual([
      [1, 'Headline b2-c'],
      [2, 'Headline b2-c'],
    ]);
  });

  it('refuses more than 500 articles with 413 and an empty or malformed batch with 400, publishing nothing', async () => {
    const sends = sendsToArticleEvents();
    const tooMany = await post('/v1/articles/batch', { articles: Array.from({ length: 501 }, (_, n) => story(`b3-${n}`)) });
    expect(tooMany.status).toBe(413);
    expect(tooMany.json).toMatchObject({ error: 'too_many_articles' });
    expect((await post('/v1/articles/batch', { articles: [] })).json).toMatchObject({ error: 'empty_batch' });
    expect((await post('/v1/articles/batch', [story('b3-x')])).status).toBe(400);
    expect(sends()).toEqual([]);
    // 500 is allowed: every one accepted, in one send.
    const full = await batch(Array.from({ length: 500 }, (_, n) => story(`b3-${n}`)));
    expect(full.results.filter((r) => r.status === 202)).toHaveLength(500);
    expect(full.results.map((r) => r.id)).toEqual(Array.from({ length: 500 }, (_, n) => `b3-${n}`));
    expect(sends()).toEqual([500]);
  });

  it('gives the first answer again for a repeated Idempotency-Key and publishes nothing more', async () => {
    const articles = [story('b4-a'), story('b4-b')];
    const first = await batch(articles, { 'idempotency-key': `batch-${iso.id}` });
    expect(first.results.map((r) => r.status)).toEqual([202, 202]);
    const sends = sendsToArticleEvents();
    const replayed = await batch(articles, { 'idempotency-key': `batch-${iso.id}` });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.json).toEqual(first.json);
    expect(sends()).toEqual([]);
    const other = await post('/v1/articles/batch', { articles: [story('b4-c')] }, { 'idempotency-key': `batch-${iso.id}` });
    expect(other).toMatchObject({ status: 422, json: { error: 'idempotency_key_reused' } });
  });
});
