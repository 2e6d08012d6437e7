/**
 * Webhook endpoints against hostile and unlucky receivers on loopback — 410, 429 with Retry-After, a
 * redirect to a private address, a huge response, a slow response, one failing for too long — each
 * endpoint's concurrency and rate limit, and the endpoint API: secret rotation, pause/resume, the attempt
 * log and replay of dead letters.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseConfig } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { EnricherConfig, EnricherService } from '@syndicate/enricher';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { ensureTopics } from '@syndicate/kafka-runtime';
import { cleanRedis, collectTopic, eventually, isolation, testKafka, testLogger, testRedis } from '@syndicate/test-support';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = 'webhook-management-token';
const iso = isolation();
const logger = testLogger('webhooks');
const redis = testRedis();
const kafka = testKafka();
const api = new ApiService(
  parseConfig(ApiConfig, { ...iso.env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8' }),
  logger,
);
const enricher = new EnricherService(parseConfig(EnricherConfig, { ...iso.env, ENRICHER_GROUP_ID: `enricher-${iso.id}` }), logger);
const fanout = new FanoutService(
  parseConfig(FanoutConfig, { ...iso.env, FANOUT_GROUP_ID: `fanout-${iso.id}`, WEBHOOK_ATTEMPTS: '3' }),
  logger,
);
const deliveryConfig = parseConfig(DeliveryConfig, {
  ...iso.env,
  SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
  DELIVERY_TIMEOUT_MS: '1000',
  WEBHOOK_RETRY_SCHEDULE_MS: '100',
  WEBHOOK_DISABLE_AFTER_MS: '1500',
});
const delivery = new DeliveryService(deliveryConfig, logger);

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;
interface Hit {
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
}
/** A receiver on loopback whose behaviour each scenario decides. */
async function receiver(handler: Handler) {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      hits.push({ at: Date.now(), headers: req.headers, body });
      handler(req, res, body, hits.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits, close: () => server.closeAllConnections() };
}

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: ad-hoc JSON, checked field by field by the assertions
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
};

/** An endpoint that only gets articles tagged with its scenario. */
async function endpoint(scenario: string, url: string, limits: { maxConcurrency?: number; rateLimitPerSecond?: number } = {}) {
  const created = await call('POST', '/v1/subscriptions', { type: 'webhook', url, filter: { tags: [scenario] }, ...limits });
  expect(created.status).toBe(201);
  await Promise.all([fanout.registry.waitFor(created.json.id), delivery.registry.waitFor(created.json.id)]);
  return { id: String(created.json.id), secret: String(created.json.secret) };
}

/** An endpoint's queue as operators see it: job counts by state (`paused` counts jobs held by a pause). */
const endpointQueue = async (id: string) =>
  (await call('GET', '/ops')).json.webhookEndpoints.find((e: { id: string }) => e.id === id)?.queue as Record<string, number> | undefined;

const publish = (scenario: string, n = 1) =>
  call('POST', '/v1/articles', { id: `${scenario}-${n}`, headline: `${scenario} story ${n}`, body: ['Text.'], tags: [scenario] });

const closers: Array<() => void> = [];
let operations: Awaited<ReturnType<typeof collectTopic>>;

beforeAll(async () => {
  await api.start();
  await Promise.all([enricher.start(), fanout.start(), delivery.start()]);
  await ensureTopics(kafka, [{ topic: topicNames(iso.topicPrefix).operations }]);
  operations = await collectTopic(kafka, topicNames(iso.topicPrefix).operations);
});

afterAll(async () => {
  for (const close of closers) close();
  await Promise.allSettled([operations?.stop(), api.stop(), enricher.stop(), fanout.stop(), delivery.stop()]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('hostile receivers', () => {
  it('410 Gone disables the endpoint and tells operators', async () => {
    const gone = await receiver((_q, res) => res.writeHead(410).end());
    closers.push(gone.close);
    const { id } = await endpoint('gone', gone.url);
    await publish('gone');
    await eventually(
      async () => ((await call('GET', `/v1/subscriptions/${id}`)).json.disabled ? true : undefined),
      20_000,
      'the endpoint disabled',
    );
    expect((await call('GET', `/v1/subscriptions/${id}`)).json.disabled.reason).toMatch(/410/);
    await eventually(() => operations.messages.find((m) => m.key === id), 10_000, 'an operational event');
    // Once the delivery is a dead letter nothing can send it again (only a replay): one request, not retried.
    await eventually(async () => ((await endpointQueue(id))?.failed === 1 ? true : undefined), 10_000, 'the dead letter');
    expect(gone.hits).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    const limited = await receiver((_q, res, _b, n) =>
      n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(204).end(),
    );
    closers.push(limited.close);
    await endpoint('limited', limited.url);
    await publish('limited');
    await eventually(() => (limited.hits.length === 2 ? true : undefined), 20_000, 'the retry');
    const [first, second] = limited.hits;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950); // the schedule alone says 100 ms
  });

  it('does not follow a redirect (to a private address): it is a failure', async () => {
    const redirecting = await receiver((_q, res) => res.writeHead(302, { location: 'http://10.0.0.1/steal' }).end());
    closers.push(redirecting.close);
    const { id } = await endpoint('redirect', redirecting.url);
    await publish('redirect');
    await eventually(
      async () => ((await call('GET', `/v1/subscriptions/${id}/attempts`)).json.attempts.length === 3 ? true : undefined),
      20_000,
      'three attempts',
    );
    const { json } = await call('GET', `/v1/subscriptions/${id}/attempts`);
    expect(json.attempts.map((a: { status: number }) => a.status)).toEqual([302, 302, 302]);
    expect(json.health).toMatchObject({ successRate: 0, lastError: 'HTTP 302' });
  });

  it('reads only the first 2 KB of a huge response', async () => {
    const huge = await receiver((_q, res) => res.writeHead(200).end(Buffer.alloc(5 * 1024 * 1024, 'x')));
    closers.push(huge.close);
    const { id } = await endpoint('huge', huge.url);
    await publish('huge');
    const attempt = await eventually(
      async () => (await call('GET', `/v1/subscriptions/${id}/attempts`)).json.attempts[0],
      20_000,
      'the attempt',
    );
    expect(attempt).toMatchObject({ ok: true, status: 200 });
    expect(attempt.response.length).toBeLessThanOrEqual(2_048);
  });

  it('gives up on a slow endpoint after the per-attempt timeout', async () => {
    const slow = await receiver((_q, res) => setTimeout(() => res.writeHead(204).end(), 3_000));
    closers.push(slow.close);
    const { id } = await endpoint('slow', slow.url);
    await publish('slow');
    const attempt = await eventually(
      async () => (await call('GET', `/v1/subscriptions/${id}/attempts`)).json.attempts[0],
      20_000,
      'the attempt',
    );
    expect(attempt).toMatchObject({ ok: false, status: null });
    expect(attempt.error).toMatch(/timeout|aborted/i);
  });

  it('disables an endpoint that keeps failing for longer than the window', async () => {
    const broken = await receiver((_q, res) => res.writeHead(500).end());
    closers.push(broken.close);
    const { id } = await endpoint('broken', broken.url);
    await publish('broken', 1);
    await eventually(() => (broken.hits.length >= 3 ? true : undefined), 20_000, 'the first failures');
    await new Promise((r) => setTimeout(r, 1_600)); // past the 1.5 s window
    await publish('broken', 2);
    await eventually(async () => ((await call('GET', `/v1/subscriptions/${id}`)).json.disabled ? true : undefined), 20_000, 'disabled');
    expect((await call('GET', `/v1/subscriptions/${id}`)).json.disabled.reason).toMatch(/failing since/);
  });
});

describe('first attempts from article batches', () => {
  it('an attempt that outlives its batch is sent once: its guard job is taken back when it ends', async () => {
    // Answers in 600 ms, past the batch's 200 ms patience: the batch moves on and leaves a guard job.
    const late = await receiver((_q, res) => setTimeout(() => res.writeHead(204).end(), 600));
    closers.push(late.close);
    const { id } = await endpoint('late', late.url);
    await publish('late');
    await eventually(
      async () => ((await call('GET', `/v1/subscriptions/${id}/attempts`)).json.attempts[0]?.ok ? true : undefined),
      20_000,
      'the attempt',
    );
    await eventually(async () => ((await endpointQueue(id))?.delayed === 0 ? true : undefined), 5_000, 'the guard job removed');
    expect(await endpointQueue(id)).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    expect(late.hits).toHaveLength(1);
  });
});

describe('per-endpoint limits', () => {
  const publishMany = (scenario: string, count: number) => Promise.all(Array.from({ length: count }, (_, n) => publish(scenario, n + 1)));

  it('never has more requests in flight to an endpoint than its maxConcurrency, across delivery processes', async () => {
    // A second delivery service on the same queues, as when the service is scaled out.
    const second = new DeliveryService(deliveryConfig, logger);
    await second.start();
    let inFlight = 0;
    let most = 0;
    const slow = await receiver((_q, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(204).end();
      }, 300);
    });
    closers.push(slow.close);
    const { id } = await endpoint('concurrency', slow.url, { maxConcurrency: 2 });
    await second.registry.waitFor(id);
    try {
      await publishMany('concurrency', 8);
      await eventually(() => (slow.hits.length === 8 ? true : undefined), 30_000, 'all eight deliveries');
    } finally {
      await second.stop();
    }
    // Eight queued at once against 300 ms answers, two workers of two slots each: the endpoint's limit is
    // reached, and never passed.
    expect(most).toBe(2);
  });

  it('spaces deliveries to an endpoint by its rateLimitPerSecond', async () => {
    const fast = await receiver((_q, res) => res.writeHead(204).end());
    closers.push(fast.close);
    await endpoint('rate', fast.url, { maxConcurrency: 10, rateLimitPerSecond: 4 });
    await publishMany('rate', 12);
    await eventually(() => (fast.hits.length === 12 ? true : undefined), 30_000, 'all twelve deliveries');
    // Four per one-second window, the window opening with the first delivery: the fifth cannot come before
    // a second has passed, nor the ninth before two (less a little for the first request's own latency).
    const at = fast.hits.map((h) => h.at - fast.hits[0]!.at);
    expect(at[4]).toBeGreaterThanOrEqual(900);
    expect(at[8]).toBeGreaterThanOrEqual(1_900);
  });
});

describe('endpoint API', () => {
  it('rotates the secret: both the new and the old secret verify during the grace period; neither is stored in the clear', async () => {
    const main = await receiver((_q, res) => res.writeHead(204).end());
    closers.push(main.close);
    const { id, secret: oldSecret } = await endpoint('rotate', main.url);
    const rotated = await call('POST', `/v1/subscriptions/${id}/rotate-secret`, { graceSeconds: 3600 });
    expect(rotated.json.secret).toMatch(/^whsec_/);
    await delivery.registry.waitFor(id);
    await eventually(
      () => (delivery.registry.get(id) as { secret?: string }).secret === rotated.json.secret || undefined,
      10_000,
      'rotation seen',
    );
    await publish('rotate');
    const hit = await eventually(() => main.hits[0], 20_000, 'the delivery');
    const headers = {
      'webhook-id': String(hit.headers['webhook-id']),
      'webhook-timestamp': String(hit.headers['webhook-timestamp']),
      'webhook-signature': String(hit.headers['webhook-signature']),
    };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(rotated.json.secret).verify(hit.body, headers)).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(hit.body, headers)).not.toThrow();
    // At rest, on the subscriptions topic, both secrets are ciphertext (sealed with SYNDICATE_SECRET_KEY).
    const records = await collectTopic(kafka, topicNames(iso.topicPrefix).subscriptions);
    const mine = await eventually(
      () => (records.messages.filter((m) => m.key === id).length >= 2 ? records.messages.filter((m) => m.key === id) : undefined),
      10_000,
      'the endpoint records',
    );
    await records.stop();
    for (const record of mine) {
      expect(record.value).not.toContain(oldSecret);
      expect(record.value).not.toContain(rotated.json.secret);
      expect(record.value).not.toContain('whsec_');
    }
    const rotatedRecord = JSON.parse(mine.at(-1)!.value!) as { secret: string; previousSecrets: Array<{ secret: string }> };
    expect(rotatedRecord.secret).toMatch(/^enc:v1:test1:/);
    expect(rotatedRecord.previousSecrets[0]!.secret).toMatch(/^enc:v1:test1:/);
    // Neither secret is ever shown again.
    const shown =
      JSON.stringify((await call('GET', `/v1/subscriptions/${id}`)).json) + JSON.stringify((await call('GET', '/v1/subscriptions')).json);
    expect(shown).not.toContain(oldSecret);
    expect(shown).not.toContain(rotated.json.secret);
  });

  it('pauses and resumes deliveries without losing any', async () => {
    const main = await receiver((_q, res) => res.writeHead(204).end());
    closers.push(main.close);
    const { id } = await endpoint('pause', main.url);
    expect((await call('PATCH', `/v1/subscriptions/${id}`, { paused: true })).json.paused).toBe(true);
    // A batch sees the pause in the delivery service's registry (as it sees every change to the endpoint).
    await delivery.registry.waitFor(id, 10_000, (seen) => seen.type === 'webhook' && seen.paused);
    await publish('pause');
    // The batch handed the delivery to the paused queue instead of sending it: from then on only a resume
    // releases it, so no request has been made, nor will be.
    await eventually(async () => ((await endpointQueue(id))?.paused === 1 ? true : undefined), 20_000, 'the delivery held');
    expect(main.hits).toHaveLength(0);
    await call('PATCH', `/v1/subscriptions/${id}`, { paused: false });
    await eventually(() => main.hits[0], 20_000, 'the held delivery');
    expect((await call('PATCH', `/v1/subscriptions/${id}`, { url: 'http://192.168.1.1/x' })).status).toBe(400);
  });

  it('replays dead letters once the endpoint is fixed', async () => {
    let fixed = false;
    const flaky = await receiver((_q, res) => res.writeHead(fixed ? 204 : 503).end());
    closers.push(flaky.close);
    const { id } = await endpoint('replay', flaky.url);
    const from = new Date().toISOString();
    await publish('replay');
    await eventually(() => (flaky.hits.length === 3 ? true : undefined), 20_000, 'three failed attempts');
    await eventually(
      async () =>
        (await call('GET', '/ops')).json.webhookEndpoints.find((e: { id: string }) => e.id === id)?.queue.failed === 1 ? true : undefined,
      10_000,
      'a dead letter',
    );
    fixed = true;
    const replayed = await call('POST', `/v1/subscriptions/${id}/replay`, { from, to: new Date().toISOString() });
    expect(replayed.json.replayed).toBe(1);
    await eventually(() => (flaky.hits.length === 4 ? true : undefined), 20_000, 'the replayed delivery');
    expect(flaky.hits[3]!.headers['webhook-id']).toBe(flaky.hits[0]!.headers['webhook-id']); // same message, same id
  });
});
