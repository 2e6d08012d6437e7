/**
 * The API on a real Redis and Kafka: the feed server (formats, validators and 304s, compression, archives, the byte
 * bound, partner-only feeds, cache invalidation when the fanout announces a change) and the operators view.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { parseConfig } from '@syndicate/config';
import type { EnrichedArticle } from '@syndicate/contracts';
import { announceFeedChanges, FeedStore } from '@syndicate/feed-store';
import { cleanRedis, eventually, isolation, testLogger, testRedis } from '@syndicate/test-support';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';

const iso = isolation();
const TOKEN = 'feeds-test-admin-token';
const redis = testRedis();
const store = new FeedStore({ redis, keyPrefix: iso.redisKeyPrefix });
/** An API in this test's name space, on a free port, with these settings. */
const apiWith = (settings: Record<string, string>) =>
  new ApiService(parseConfig(ApiConfig, { ...iso.env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN, ...settings }), testLogger('api'));
const api = apiWith({ FEED_PAGE_ITEMS: '3', FEED_TAG_AUTHORITY: 'feeds.test' });

const record = (n: number, extra: Partial<EnrichedArticle['article']> = {}): EnrichedArticle => ({
  type: 'article.published',
  article: {
    id: `story-${n}`,
    version: 1,
    headline: `Story number ${n}`,
    body: [`Paragraph of story ${n}. `.repeat(20)],
    authors: [{ name: 'Desk' }],
    categories: ['World'],
    tags: [],
    images: [],
    language: 'en',
    publishedAt: new Date(Date.UTC(2026, 0, n)).toISOString(),
    source: 'test',
    ...extra,
  },
  enrichment: { entities: [], topics: [], language: 'en', wordCount: 60, summary: `Summary ${n}`, engine: 'test' },
  enrichedAt: new Date().toISOString(),
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}${path}`, { headers });

beforeAll(async () => {
  await api.start();
  for (let n = 1; n <= 5; n++) await store.put(record(n), []);
});
afterAll(async () => {
  await api.stop();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('GET /feeds/{slug}.{format}', () => {
  it('serves RSS, Atom and JSON Feed with their content types and the newest items first', async () => {
    const rss = await get('/feeds/all.rss');
    expect(rss.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const parsed = await new Parser().parseString(await rss.text());
    expect(parsed.items.map((i) => i.title)).toEqual(['Story number 5', 'Story number 4', 'Story number 3']);
    const atom = await get('/feeds/all.atom');
    expect(atom.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(await atom.text()).toContain('<id>tag:feeds.test,2026:article:story-5</id>');
    const json = await get('/feeds/all.json');
    expect(json.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    expect(((await json.json()) as { items: unknown[] }).items).toHaveLength(3);
  });

  it('answers conditional requests with 304, by ETag or by date', async () => {
    const first = await get('/feeds/all.atom');
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^"[\w-]{27}(-gzip|-br)?"$/); // fetch asks for gzip
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    expect((await get('/feeds/all.atom', { 'if-none-match': etag })).status).toBe(304);
    expect((await get('/feeds/all.atom', { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await get('/feeds/all.atom', { 'if-none-match': '"something-else"' })).status).toBe(200);
  });

  it('compresses with brotli or gzip on request, with a validator per encoding', async () => {
    const plain = Buffer.from(await (await get('/feeds/all.rss')).arrayBuffer());
    // undici's fetch decodes transparently; ask with node:http semantics instead.
    const raw = async (encoding: string) => {
      const { request } = await import('undici');
      const response = await request(`${api.url}/feeds/all.rss`, { headers: { 'accept-encoding': encoding } });
      return { headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
    };
    const br = await raw('gzip, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(plain)).toBe(true);
    const gz = await raw('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain)).toBe(true);
    expect(String(gz.headers.etag)).toMatch(/-gzip"$/);
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect((await raw('br;q=0, identity')).headers['content-encoding']).toBeUndefined();
  });

  it('links older items through RFC 5005 archive pages', async () => {
    const atom = await (await get('/feeds/all.atom')).text();
    const prev = atom.match(/<link rel="prev-archive" href="([^"]+)"/)?.[1];
    expect(prev).toBeDefined();
    const archive = await (await fetch(prev!)).text();
    expect(archive).toContain('<fh:archive/>');
    expect(archive).toContain('rel="current"');
    expect(archive).toContain('story-2');
    expect(archive).toContain('story-1');
    expect(archive).not.toContain('story-3');
    expect((await get('/feeds/all.atom?before=yesterday')).status).toBe(400);
  });

  it('serves the change once the fanout announces it', async () => {
    await get('/feeds/all.json'); // cached now
    await store.put(record(6, { headline: 'A late correction' }), []);
    await announceFeedChanges(redis, iso.redisKeyPrefix, ['all']);
    await eventually(
      async () => ((await (await get('/feeds/all.json')).text()).includes('A late correction') ? true : undefined),
      5_000,
      'the new item',
    );
  });

  it('keeps partner-only feeds behind their token', async () => {
    const created = await fetch(`${api.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'feed', slug: 'partners', access: 'token', title: 'Partner wire' }),
    });
    const { token } = (await created.json()) as { token: string };
    expect(token).toMatch(/^[\w-]{32}$/);
    expect((await get('/feeds/partners.rss')).status).toBe(401);
    expect((await get('/feeds/partners.rss', { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await get('/feeds/partners.rss', { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('private, max-age=60');
    expect(await ok.text()).toContain('<title>Partner wire</title>');
    expect((await get(`/feeds/partners.atom?token=${token}`)).status).toBe(200);
    const listed = await fetch(`${api.url}/v1/subscriptions`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await listed.text()).not.toContain(token);
  });

  it('says what is wrong with a bad feed URL', async () => {
    expect((await get('/feeds/nope.rss')).status).toBe(404);
    const format = await get('/feeds/all.xml');
    expect(format.status).toBe(404);
    expect(await format.text()).toContain('.rss, .atom or .json');
  });
});

describe('the byte bound', () => {
  it('moves items to archive pages when a document would be too large', async () => {
    const small = apiWith({ FEED_PAGE_ITEMS: '50', FEED_MAX_BYTES: '4096' });
    await small.start();
    try {
      const body = await (await fetch(`${small.url}/feeds/all.rss`)).text();
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4096);
      expect(body).toContain('rel="prev-archive"');
      expect((await new Parser().parseString(body)).items.length).toBeGreaterThan(0);
    } finally {
      await small.stop();
    }
  });
});

describe('the operators view', () => {
  it('serves /ops and the bull-board UI only with the admin token', async () => {
    expect((await get('/ops')).status).toBe(401);
    expect((await get('/ops/queues')).status).toBe(401);
    const ops = await get('/ops', { authorization: `Bearer ${TOKEN}` });
    expect(ops.status).toBe(200);
    expect(await ops.json()).toMatchObject({ webhookEndpoints: [], deadLetters: expect.any(Object) });
    const board = await get('/ops/queues', { authorization: `Bearer ${TOKEN}` });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('<div id="root">');
  });
});
