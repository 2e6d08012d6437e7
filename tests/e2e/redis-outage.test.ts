/**
 * The API and a worker (the fanout) while their Redis is killed (SIGKILL) and started again, on a Redis of the
 * test's own (AOF, appendfsync everysec, noeviction; the shared Redis is left alone), with the shared broker:
 * - a feed the API has in memory is still served, marked stale (Warning 110, x-syndicate-stale: 1); one it
 *   has not, and every route that needs Redis, answer 503 store_unavailable with Retry-After, fast; a route
 *   that does not need Redis still answers;
 * - /readyz of the API and of the fanout say `redis: down`, each probe within 100 ms;
 * - recover alone: once Redis answers again, the API accepts articles, serves the feed fresh, and the fanout
 *   files new articles into it, within 5 s, without a restart (the times are printed).
 * And Redis durability, checked at start: a Redis that evicts keys (allkeys-lru) makes a service refuse to
 * start, saying why; one that persists nothing gets one warning and the service starts; where CONFIG is
 * disabled (managed Redis) the service says it cannot check and starts.
 */
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseConfig } from '@syndicate/config';
import { type EnrichedRecord, newEventAttributes, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { KeyedProducer } from '@syndicate/kafka-runtime';
import { createLogger, type Logger, serveMetrics } from '@syndicate/observability';
import { checkRedisDurability, connectRedis, RedisDurabilityError } from '@syndicate/redis-runtime';
import { enrichedArticle, eventually, isolation, ownRedis, testKafka } from '@syndicate/test-support';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FAST_MS = 1_000; // a request that needs Redis is answered at once, or after the 1 s command timeout at worst
const PROBE_BUDGET_MS = 100; // a load balancer's probe never waits on Redis
const RECOVERY_BUDGET_MS = 5_000; // from Redis answering again to everything working
const TOKEN = `redis-outage-${Math.random().toString(36).slice(2)}`;

const iso = isolation();
const topics = topicNames(iso.topicPrefix);
// ioredis and BullMQ log every refused reconnect while Redis is down; LOG_LEVEL=warn shows them.
const logger = createLogger('redis-outage', process.env.LOG_LEVEL ?? 'fatal');
const kafka = testKafka();
const producer = new KeyedProducer(kafka);
let redis: Awaited<ReturnType<typeof ownRedis>>;
let api: ApiService;
let fanout: FanoutService;
let fanoutOps: Awaited<ReturnType<typeof serveMetrics>>;

const log = (line: string) => process.stderr.write(`[redis-outage] ${line}\n`);

/** A logger that keeps every line it is given, to look for a warning. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const captured = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) }) as unknown as Logger;
  return { logger: captured, lines };
}

/** One request and how long it took. */
async function call(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  const startedAt = performance.now();
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - startedAt };
}

const readyz = async (url: string) => {
  const startedAt = performance.now();
  const response = await fetch(`${url}/readyz`);
  const body = (await response.json()) as { checks: Record<string, string> };
  return { status: response.status, checks: body.checks, ms: performance.now() - startedAt };
};

/** As the enricher would write it: the fanout files it into the `all` feed. */
const enrich = (id: string) => {
  const record: EnrichedRecord = enrichedArticle(id);
  return producer.send(topics.articleEnriched, [
    toKafkaRecord(newEventAttributes({ source: 'test', type: record.type, partitionkey: id }), record),
  ]);
};

const inFeed = async (id: string) => {
  const answer = await call('GET', '/feeds/all.rss');
  return answer.status === 200 && !answer.headers.has('x-syndicate-stale') && answer.text.includes(`${id} v1`) ? answer : undefined;
};

beforeAll(async () => {
  redis = await ownRedis();
  const env = { ...iso.env, REDIS_URL: redis.url, LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal' };
  api = new ApiService(parseConfig(ApiConfig, { ...env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN }), logger);
  fanout = new FanoutService(parseConfig(FanoutConfig, { ...env, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger);
  await api.start();
  await fanout.start();
  await producer.start();
  fanoutOps = await serveMetrics(fanout.metrics, 0, { readiness: () => fanout.readiness.current() });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([api?.stop(), fanout?.stop(), fanoutOps?.close(), producer.stop()]);
  await redis?.stop();
}, 60_000);

describe('Redis killed and started again', () => {
  let cachedFeed = '';

  it('serves the feed while Redis is up', async () => {
    await enrich('before');
    const answer = await eventually(() => inFeed('before'), 20_000, 'the article in the feed');
    cachedFeed = answer.text;
  });

  it('serves the cached feed marked stale, answers 503 store_unavailable fast elsewhere, /readyz says redis down', async () => {
    redis.kill();
    const killedAt = performance.now();
    for (const url of [api.url, `http://127.0.0.1:${fanoutOps.port}`]) {
      const down = await eventually(async () => {
        const probe = await readyz(url);
        expect(probe.ms).toBeLessThan(PROBE_BUDGET_MS);
        return probe.checks.redis === 'down' ? probe : undefined;
      }, 5_000);
      log(`${url === api.url ? 'API' : 'fanout'} /readyz said redis down ${(performance.now() - killedAt).toFixed(0)} ms after the kill`);
      expect(down).toMatchObject({ status: 503, checks: { kafka: 'ok', redis: 'down' } });
    }

    const stale = await call('GET', '/feeds/all.rss');
    log(`cached feed while Redis is down: ${stale.status} in ${stale.ms.toFixed(0)} ms`);
    expect(stale.status).toBe(200);
    expect(stale.text).toBe(cachedFeed);
    expect(stale.headers.get('x-syndicate-stale')).toBe('1');
    expect(stale.headers.get('warning')).toBe('110 - "Response is Stale"');
    expect(stale.headers.get('cache-control')).toBe('public, max-age=0');

    for (const [method, path, options] of [
      ['GET', '/feeds/all.json', {}], // never rendered: nothing to serve
      ['POST', '/v1/articles', { body: { id: 'during', headline: 'During', body: ['Text.'], source: 'test' } }],
      ['POST', '/v1/articles', { body: { id: 'during', headline: 'During', body: ['Text.'] }, headers: { 'idempotency-key': 'k1' } }],
      ['DELETE', '/v1/articles/before', {}],
    ] as const) {
      const answer = await call(method, path, options);
      log(`${method} ${path} while Redis is down: ${answer.status} in ${answer.ms.toFixed(0)} ms`);
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'store_unavailable' });
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.ms).toBeLessThan(FAST_MS);
    }
    // Subscriptions live in memory (from Kafka): listing them needs no Redis.
    expect((await call('GET', '/v1/subscriptions')).status).toBe(200);
  });

  it('recovers alone once Redis answers again: articles accepted, the feed fresh, the fanout filing', async () => {
    await enrich('after'); // waits on Kafka for the fanout, which waits for Redis
    await redis.start(); // same data directory: the append-only file brings the feed back
    const readyAt = performance.now();
    const accepted = await eventually(async () => {
      const answer = await call('POST', '/v1/articles', { body: { id: 'recovered', headline: 'Recovered', body: ['Text.'] } });
      expect(answer.status).not.toBe(500);
      return answer.status === 202 ? answer : undefined;
    }, RECOVERY_BUDGET_MS);
    log(`POST accepted again ${(performance.now() - readyAt).toFixed(0)} ms after Redis answered`);
    expect(accepted.status).toBe(202);
    const fresh = await eventually(() => inFeed('after'), RECOVERY_BUDGET_MS, 'the article written meanwhile in a fresh feed');
    log(`the feed fresh, with the fanout's article, ${(performance.now() - readyAt).toFixed(0)} ms after Redis answered`);
    expect(fresh.text).toContain('before v1'); // kept across the restart by the append-only file
    expect(await readyz(api.url)).toMatchObject({ status: 200, checks: { kafka: 'ok', redis: 'ok' } });
    await eventually(async () => ((await readyz(`http://127.0.0.1:${fanoutOps.port}`)).status === 200 ? true : undefined), 2_000);
  }, 60_000);
});

describe('Redis durability, checked at start', () => {
  it('refuses to start on a Redis that evicts keys, saying why', async () => {
    const evicting = await ownRedis(['--maxmemory-policy', 'allkeys-lru']);
    const env = { ...iso.env, REDIS_URL: evicting.url, LOG_LEVEL: 'fatal' };
    const service = new FanoutService(parseConfig(FanoutConfig, { ...env, FANOUT_GROUP_ID: `refused-${iso.id}` }), logger);
    const refusedApi = new ApiService(parseConfig(ApiConfig, { ...env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN }), logger);
    try {
      for (const s of [service, refusedApi]) {
        const failure = await s.start().catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(RedisDurabilityError);
        expect((failure as Error).message).toMatch(/maxmemory-policy allkeys-lru.*noeviction/);
      }
    } finally {
      await Promise.allSettled([service.stop(), refusedApi.stop()]);
      await evicting.stop();
    }
  });

  it('starts on a Redis that persists nothing, with one warning', async () => {
    const volatile = await ownRedis(['--appendonly', 'no']); // and no `save`: nothing on disk at all
    const { logger: capturing, lines } = capturingLogger();
    const env = { ...iso.env, REDIS_URL: volatile.url, LOG_LEVEL: 'warn' };
    const service = new FanoutService(parseConfig(FanoutConfig, { ...env, FANOUT_GROUP_ID: `volatile-${iso.id}` }), capturing);
    try {
      await service.start();
      expect(lines.filter((l) => l.msg.startsWith('Redis persists nothing'))).toHaveLength(1);
    } finally {
      await service.stop();
      await volatile.stop();
    }
  });

  it('goes on with a warning where CONFIG is disabled, as on managed Redis', async () => {
    const managed = await ownRedis(['--rename-command', 'CONFIG', '']);
    const client = connectRedis(managed.url);
    const { logger: capturing, lines } = capturingLogger();
    try {
      expect(await checkRedisDurability(client, capturing)).toEqual({});
      expect(lines.map((l) => l.msg)).toEqual([expect.stringMatching(/^cannot read Redis settings/)]);
    } finally {
      client.disconnect();
      await managed.stop();
    }
  });
});
