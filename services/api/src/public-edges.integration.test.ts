/**
 * The public surface cannot be knocked over: per-client rate limits that hold across API processes (feeds
 * and Fastify's routes, 429 with Retry-After, the admin token exempt), `?before=` values that cannot make a
 * render each, and an `all` feed that can be closed to the public.
 */
import { parseConfig } from '@syndicate/config';
import { FeedStore } from '@syndicate/feed-store';
import { cleanRedis, enrichedArticle, isolation, testLogger, testRedis } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';

const iso = isolation();
const TOKEN = 'edges-test-admin-token';
const redis = testRedis();
const store = new FeedStore({ redis, keyPrefix: iso.redisKeyPrefix });
const started: ApiService[] = [];
/** An API in this test's name space, on a free port, with these settings (several share one Redis). */
async function apiWith(settings: Record<string, string>) {
  const api = new ApiService(
    parseConfig(ApiConfig, { ...iso.env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN, ...settings }),
    testLogger('api'),
  );
  await api.start();
  started.push(api);
  return api;
}
const DAY_MS = 86_400_000;
const dayOf = (n: number) => Date.UTC(2026, 0, n);

beforeAll(async () => {
  for (let n = 1; n <= 10; n++) await store.put(enrichedArticle(`edge-${n}`, 1, { publishedAt: new Date(dayOf(n)).toISOString() }), []);
});
afterAll(async () => {
  await Promise.allSettled(started.map((api) => api.stop()));
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('rate limits', () => {
  it('hold a feed reader to one limit across two API processes, answering 429 with Retry-After', async () => {
    const limits = { RATE_LIMIT_FEEDS: '20', RATE_LIMIT_WINDOW_MS: '60000' };
    const [a, b] = [await apiWith(limits), await apiWith(limits)];
    for (let i = 0; i < 15; i++) expect((await fetch(`${a.url}/feeds/all.rss`)).status).toBe(200);
    await a.deps.rateLimiter.sync(); // what the timer does every 100 ms
    expect((await fetch(`${b.url}/feeds/all.rss`)).status).toBe(200); // 16th: b has not heard of the 15 yet
    await b.deps.rateLimiter.sync();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${b.url}/feeds/all.rss`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]); // 17th to 20th served, 21st refused
    const refused = await fetch(`${b.url}/feeds/all.atom`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
  });

  it('limit the WebSub hub and other public routes per client, but never the admin token', async () => {
    const api = await apiWith({ RATE_LIMIT_WEBSUB: '3', RATE_LIMIT_PUBLIC: '5' });
    const subscribe = () =>
      fetch(`${api.url}/websub`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          'hub.mode': 'subscribe',
          'hub.topic': 'http://elsewhere.example/feed',
          'hub.callback': 'https://a.example/cb',
        }),
      });
    const hub = [];
    for (let i = 0; i < 4; i++) hub.push(await subscribe());
    expect(hub.map((r) => r.status)).toEqual([400, 400, 400, 429]); // bad topic three times, then limited
    expect(Number(hub[3]?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await hub[3]?.json()).toMatchObject({ error: 'rate_limited' });

    const anonymous = [];
    for (let i = 0; i < 6; i++) anonymous.push((await fetch(`${api.url}/openapi.json`)).status);
    expect(anonymous).toEqual([200, 200, 200, 200, 200, 429]);
    for (let i = 0; i < 8; i++) {
      const admin = await fetch(`${api.url}/v1/subscriptions`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(admin.status).toBe(200);
    }
    expect((await fetch(`${api.url}/v1/subscriptions`, { headers: { authorization: 'Bearer guessing' } })).status).toBe(429);
  });
});

describe('archive pages', () => {
  it('serve any ?before= as the page boundary it falls on: one render per real page, however many values', async () => {
    const api = await apiWith({ FEED_PAGE_ITEMS: '3', RATE_LIMIT_FEEDS: '100000' });
    const renders = async () => {
      const histogram = await api.deps.metrics.getSingleMetric('syndicate_feed_render_seconds')?.get();
      return histogram?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value ?? 0;
    };
    const before = await renders();
    // 300 cache-busting values over the feed's whole time range, each a different millisecond.
    const values = Array.from({ length: 300 }, (_, i) => dayOf(1) + Math.floor((i / 300) * 11 * DAY_MS) + (i % 7));
    for (const value of values) expect((await fetch(`${api.url}/feeds/all.atom?before=${value}`)).status).toBe(200);
    // Ten items: at most ten boundaries and one "newer than everything" page.
    expect((await renders()) - before).toBeLessThanOrEqual(11);
    expect(api.deps.feedCache.size.entries).toBeLessThanOrEqual(11);

    // An arbitrary value serves exactly the page of the boundary it falls on.
    const between = dayOf(5) + 12 * 3_600_000; // between items 5 and 6: the page of items older than item 6
    const arbitrary = await (await fetch(`${api.url}/feeds/all.atom?before=${between}`)).text();
    const canonical = await (await fetch(`${api.url}/feeds/all.atom?before=${dayOf(6)}`)).text();
    expect(arbitrary).toBe(canonical);
    expect(canonical).toContain('edge-5');
    expect(canonical).not.toContain('edge-6');
  });
});

describe('a burst of identical requests', () => {
  it('makes one render, however many arrive together', async () => {
    const api = await apiWith({ FEED_PAGE_ITEMS: '3', RATE_LIMIT_FEEDS: '100000' });
    const renders = async () => {
      const histogram = await api.deps.metrics.getSingleMetric('syndicate_feed_render_seconds')?.get();
      return histogram?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value ?? 0;
    };
    const before = await renders();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${api.url}/feeds/all.rss?before=${dayOf(8)}`, { headers: { 'accept-encoding': 'br' } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect((await renders()) - before).toBe(1);
  });
});

describe('a slug taken again', () => {
  it('does not show what a deleted partner-only feed of that name held', async () => {
    const api = await apiWith({});
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const created = (await (await admin('POST', '/v1/subscriptions', { type: 'feed', slug: 'excl', access: 'token' })).json()) as {
      id: string;
    };
    // As the fanout files an exclusive: only in the partner-only feed.
    await store.put(enrichedArticle('scoop', 1, { headline: 'An exclusive for partners' }), ['excl'], { inAll: false });
    expect((await fetch(`${api.url}/feeds/excl.rss`)).status).toBe(401);
    expect((await admin('DELETE', `/v1/subscriptions/${created.id}`)).status).toBe(204);
    expect((await admin('POST', '/v1/subscriptions', { type: 'feed', slug: 'excl', filter: { tags: ['other'] } })).status).toBe(201);
    const reused = await fetch(`${api.url}/feeds/excl.rss`);
    expect(reused.status).toBe(200);
    expect(await reused.text()).not.toContain('An exclusive for partners');
  });
});

describe('the all feed', () => {
  it('can be closed to the public: then it wants the admin token, and the hub refuses its topic', async () => {
    const api = await apiWith({ FEED_ALL_PUBLIC: 'false' });
    const closed = await fetch(`${api.url}/feeds/all.rss`);
    expect(closed.status).toBe(401);
    expect((await closed.json()) as { message: string }).toMatchObject({ message: expect.stringContaining('admin token') });
    const admin = await fetch(`${api.url}/feeds/all.rss`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('cache-control')).toMatch(/^private/); // no shared cache may keep it
    // Not in a URL: the admin token would end up in proxies' logs.
    expect((await fetch(`${api.url}/feeds/all.json?token=${TOKEN}`)).status).toBe(401);
    const hub = await fetch(`${api.url}/websub`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        'hub.mode': 'subscribe',
        'hub.topic': `${api.url}/feeds/all.atom`,
        'hub.callback': 'https://a.example/cb',
      }),
    });
    expect(hub.status).toBe(403);
  });
});
