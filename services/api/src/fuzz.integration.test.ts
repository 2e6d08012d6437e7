/**
 * Property: no request, however malformed, gets a 5xx or crashes the API. Random paths (with broken
 * percent-encodings, dot segments and control characters), queries, headers and bodies (broken UTF-8, deep
 * nesting, wrong types, `]]>`) go to every route, public and admin (with and without the token), over raw
 * HTTP so that nothing on the client side cleans them up first.
 */
import { request as httpRequest } from 'node:http';
import { parseConfig } from '@syndicate/config';
import { FeedStore } from '@syndicate/feed-store';
import { cleanRedis, enrichedArticle, isolation, testLogger, testRedis } from '@syndicate/test-support';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';

const iso = isolation();
const TOKEN = 'fuzz-test-admin-token-1';
const redis = testRedis();
// Limits high enough that the fuzzer reaches the routes rather than the 429s.
const api = new ApiService(
  parseConfig(ApiConfig, {
    ...iso.env,
    PORT: '0',
    SYNDICATE_ADMIN_TOKEN: TOKEN,
    RATE_LIMIT_FEEDS: '1000000',
    RATE_LIMIT_PUBLIC: '1000000',
    RATE_LIMIT_WEBSUB: '1000000',
  }),
  testLogger('api'),
);

const ROUTES: Array<[string, string]> = [
  ['GET', '/feeds/all.rss'],
  ['GET', '/feeds/all.atom'],
  ['HEAD', '/feeds/all.json'],
  ['GET', '/feeds/world.rss'],
  ['POST', '/websub'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/openapi.json'],
  ['POST', '/v1/articles'],
  ['POST', '/v1/articles/batch'],
  ['DELETE', '/v1/articles/fuzz-1'],
  ['POST', '/v1/subscriptions'],
  ['GET', '/v1/subscriptions'],
  ['GET', '/v1/subscriptions/x'],
  ['PATCH', '/v1/subscriptions/x'],
  ['DELETE', '/v1/subscriptions/x'],
  ['POST', '/v1/subscriptions/x/rotate-secret'],
  ['POST', '/v1/subscriptions/x/rotate-token'],
  ['POST', '/v1/subscriptions/x/replay'],
  ['POST', '/v1/subscriptions/x/backfill'],
  ['GET', '/v1/subscriptions/x/attempts'],
  ['GET', '/v1/backfills/x'],
  ['GET', '/ops'],
];

const nasty = fc.constantFrom(
  '%00',
  '%ff',
  '%C3%28',
  '%E2%80%A8',
  '%',
  '%%',
  '..',
  '%2e%2e%2f',
  '//',
  ']]>',
  '%0d%0a',
  '\u00e9',
  '😀',
  '<script>',
  'a'.repeat(3_000),
);
const segment = fc.oneof(fc.stringMatching(/^[\w.~-]{0,12}$/), nasty);
const path = fc.oneof(
  fc.constantFrom(...ROUTES.map(([, p]) => p)),
  fc.tuple(fc.constantFrom(...ROUTES.map(([, p]) => p)), fc.array(segment, { maxLength: 3 })).map(([p, extra]) => [p, ...extra].join('/')),
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.constantFrom('before', 'token', 'limit', 'hub.mode', 'x', '', 'before[]'),
        fc.oneof(segment, fc.integer().map(String), fc.constant('1e400'), fc.constant('-1'), fc.constant('99999999999999999999')),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
  fc.constantFrom(
    '',
    'br;q=0, gzip;q=abc, *;q=',
    'W/"x", *',
    'Bearer ',
    `Bearer ${TOKEN}`,
    'Bearer \u00e9',
    'text/html',
    'application/json; charset=latin1',
    'Thu, 99 Foo 9999',
    '-1',
  ),
);
const headers = fc.record(
  {
    authorization: headerValue,
    'accept-encoding': headerValue,
    'if-none-match': headerValue,
    'if-modified-since': headerValue,
    'content-type': fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-8',
      '',
    ),
    'idempotency-key': headerValue,
    'x-forwarded-for': headerValue,
  },
  { requiredKeys: [] },
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom('type', 'url', 'headline', 'body', 'id', 'slug', 'filter', 'days', 'from', 'to', 'embargoUntil', 'x'),
      tie('value'),
      {
        maxKeys: 5,
      },
    ),
  ),
})).value;
const body = fc.oneof(
  fc.constant(undefined),
  jsonish.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)), // broken UTF-8 among them
  fc.constant(Buffer.from(`${'['.repeat(5_000)}${']'.repeat(5_000)}`)),
  fc.constant(Buffer.from('hub.mode=subscribe&hub.topic=%ZZ&hub.callback=http://[::1]/')),
  fc.constant(Buffer.from('{"headline":"x\u000b]]>","body":["\u0000"]}')),
);

function send(method: string, target: string, head: Record<string, string>, payload?: Buffer): Promise<number> {
  const { port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const length = payload ? { 'content-length': String(payload.length) } : {};
    const req = httpRequest({ host: '127.0.0.1', port, method, path: target, headers: { ...head, ...length }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Node's client refuses some bytes in paths and headers; those requests cannot be sent, so they are left out. */
const sendable = (target: string, head: Record<string, string>) =>
  /^[\x21-\x7e]+$/.test(target) && Object.values(head).every((v) => /^[\t\x20-\x7e]*$/.test(v));

beforeAll(async () => {
  await api.start();
  const store = new FeedStore({ redis, keyPrefix: iso.redisKeyPrefix });
  for (let n = 1; n <= 5; n++) await store.put(enrichedArticle(`fuzz-${n}`), []);
});
afterAll(async () => {
  await api.stop();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('every route, fuzzed', () => {
  it('never answers 5xx and keeps serving', async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES.map(([m]) => m), 'PUT', 'OPTIONS'),
        path,
        query,
        headers,
        body,
        async (method, p, q, head, payload) => {
          const target = `${p.replace(/[^\x21-\x7e]/gu, encodeURIComponent)}${q}`;
          const cleanHead = Object.fromEntries(Object.entries(head).filter(([, v]) => v !== ''));
          fc.pre(sendable(target, cleanHead));
          const status = await send(method, target, cleanHead, method === 'GET' || method === 'HEAD' ? undefined : payload);
          if (status >= 500)
            failures.push(
              `${method} ${target.slice(0, 200)} ${JSON.stringify(cleanHead).slice(0, 300)} body ${payload?.subarray(0, 100).toString('hex') ?? 'none'} → ${status}`,
            );
          return status < 500;
        },
      ),
      {
        numRuns: 400,
        endOnFailure: true,
        reporter: (run) => {
          if (run.failed)
            throw new Error(
              `FUZZ_SEED=${run.seed} fails: ${failures.slice(0, 3).join('; ').slice(0, 1_000)} ${String(run.errorInstance).slice(0, 300)}`,
            );
        },
        seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31),
      },
    );
    expect(failures).toEqual([]);
    expect(await send('GET', '/healthz', {})).toBe(200);
  }, 120_000);
});
