/**
 * Article ingest on a real Kafka and Redis, for careless clients: control characters are removed (and counted),
 * a DELETE may carry a JSON content type and no body, and publishing the latest content again is answered with
 * the version it made, with no new event on `article-events`.
 */
import { parseConfig } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { cleanRedis, collectTopic, eventually, isolation, testKafka, testLogger, testRedis } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';

const iso = isolation();
const TOKEN = 'articles-test-admin-token';
const topics = topicNames(iso.topicPrefix);
const redis = testRedis();
const kafka = testKafka();
const api = new ApiService(parseConfig(ApiConfig, { ...iso.env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN }), testLogger('api'));
let events: Awaited<ReturnType<typeof collectTopic>>;

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

/** The events on article-events for one article, once the one with `version` has arrived. */
const eventsUntil = async (id: string, version: number) => {
  const of = () => events.messages.filter((m) => m.key === id).map((m) => JSON.parse(m.value ?? '{}') as Record<string, unknown>);
  await eventually(() => (of().some((e) => e.version === version) ? true : undefined), 20_000, `${id} v${version} on article-events`);
  return of();
};

beforeAll(async () => {
  await api.start();
  events = await collectTopic(kafka, topics.articleEvents);
});
afterAll(async () => {
  await events.stop();
  await api.stop();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('control characters in article text', () => {
  it('are removed, not refused: a vertical tab or form feed ends a line, and each removal is counted', async () => {
    const accepted = await call('POST', '/v1/articles', {
      id: 'ctl-1',
      headline: 'Council\u000Bvotes',
      standfirst: 'Late\u0007 session',
      body: ['First line\u000Bsecond line', 'Page\u000Cbreak and a NUL\u0000'],
      authors: [{ name: 'Desk\u001F' }],
    });
    expect(accepted.status).toBe(202);
    const [event] = await eventsUntil('ctl-1', 1);
    expect(event).toMatchObject({
      headline: 'Council votes',
      standfirst: 'Late session',
      body: ['First line\nsecond line', 'Page\nbreak and a NUL'],
      authors: [{ name: 'Desk' }],
    });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^syndicate_article_control_chars_removed_total\{service="api"\} 6$/m);
  });
});

describe('DELETE /v1/articles/{id}', () => {
  it('withdraws with content-type: application/json and no body (a POST without a body is still refused)', async () => {
    expect((await call('POST', '/v1/articles', { id: 'del-1', headline: 'To be withdrawn', body: ['Text.'] })).status).toBe(202);
    const withdrawn = await fetch(`${api.url}/v1/articles/del-1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    });
    expect(withdrawn.status).toBe(202);
    expect(await withdrawn.json()).toEqual({ id: 'del-1', version: 2, type: 'article.withdrawn' });
    const emptyPost = await fetch(`${api.url}/v1/articles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    });
    expect(emptyPost.status).toBe(400);
    expect(await emptyPost.json()).toMatchObject({ error: 'empty_body' });
  });

  it('withdrawing again is the same withdrawal: 200, same version, no second event', async () => {
    expect((await call('POST', '/v1/articles', { id: 'del-2', headline: 'Withdrawn twice', body: ['Text.'] })).status).toBe(202);
    expect(await call('DELETE', '/v1/articles/del-2')).toMatchObject({ status: 202, json: { version: 2 } });
    expect(await call('DELETE', '/v1/articles/del-2')).toMatchObject({ status: 200, json: { version: 2, unchanged: true } });
    // Published again, identical content is a new version: the latest one was the withdrawal.
    expect(await call('POST', '/v1/articles', { id: 'del-2', headline: 'Withdrawn twice', body: ['Text.'] })).toMatchObject({
      status: 202,
      json: { version: 3 },
    });
    expect((await eventsUntil('del-2', 3)).map((e) => e.version)).toEqual([1, 2, 3]);
  });
});

describe('publishing the latest content again', () => {
  const story = { id: 'same-1', headline: 'Bridge reopens', body: ['It reopened on Monday.'], categories: ['World'] };

  it('answers 200 with the same version and publishes nothing; changed content is a new version', async () => {
    expect(await call('POST', '/v1/articles', story)).toMatchObject({ status: 202, json: { id: 'same-1', version: 1 } });
    // The same content: keys in another order, defaults spelled out, publication time left to the API again.
    const again = await call('POST', '/v1/articles', {
      language: 'en',
      categories: ['World'],
      body: story.body,
      headline: story.headline,
      id: story.id,
    });
    expect(again).toEqual({ status: 200, json: { id: 'same-1', version: 1, type: 'article.published', unchanged: true } });
    const changed = await call('POST', '/v1/articles', { ...story, body: ['It reopened on Monday morning.'] });
    expect(changed).toMatchObject({ status: 202, json: { version: 2, type: 'article.updated' } });
    // Keyed by id, so one partition: v2 arriving means any duplicate of v1 would have arrived before it.
    expect((await eventsUntil('same-1', 2)).map((e) => e.version)).toEqual([1, 2]);
  });

  it('gives concurrent identical requests one version and one event', async () => {
    const same = { id: 'same-2', headline: 'Five retries at once', body: ['Text.'] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/v1/articles', same)));
    expect(new Set(answers.map((a) => a.json.version))).toEqual(new Set([1]));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 202]);
    expect((await call('POST', '/v1/articles', { ...same, body: ['Changed.'] })).json.version).toBe(2);
    expect((await eventsUntil('same-2', 2)).map((e) => e.version)).toEqual([1, 2]);
  });
});
