/**
 * The WebSub hub cannot be flooded: small bounds per topic, per callback host and in total hold at request
 * time (429) and, when requests race, at verification (only as many as fit are stored; the rest are
 * denied); and the hub calls private addresses only within its own allowlist, SYNDICATE_WEBSUB_ALLOWLIST,
 * whatever SYNDICATE_WEBHOOK_ALLOWLIST allows: at subscribe time, at verification and at every push.
 * Subscribers are on 127.0.0.2-9 (each its own callback host; the hub may reach 127.0.0.0/28) and
 * 127.0.0.100 (a webhook may reach it, the hub may not).
 */
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseConfig } from '@syndicate/config';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { openQueue, WEBSUB_PUSH_QUEUE, WEBSUB_QUEUE } from '@syndicate/redis-runtime';
import { cleanRedis, eventually, isolation, testLogger, testRedis } from '@syndicate/test-support';
import { distributeJob, SubscriberStore, verifyJob } from '@syndicate/websub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebSubSubscriber } from '../support/websub-subscriber.js';

const TOKEN = 'websub-limits-admin-token';
const iso = isolation();
const logger = testLogger('websub-limits');
const redis = testRedis();
const limits = {
  WEBSUB_MAX_PER_TOPIC: '3',
  WEBSUB_MAX_PER_CALLBACK_HOST: '2',
  WEBSUB_MAX_TOTAL: '5',
  SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
  SYNDICATE_WEBSUB_ALLOWLIST: '127.0.0.0/28',
};
const api = new ApiService(
  parseConfig(ApiConfig, { ...iso.env, ...limits, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN, RATE_LIMIT_WEBSUB: '100000' }),
  logger,
);
let delivery: DeliveryService;
const store = new SubscriberStore(redis, iso.redisKeyPrefix, iso.keyring);
const bull = { connection: redis, keyPrefix: iso.redisKeyPrefix };
const hubQueue = openQueue(WEBSUB_QUEUE, bull);
const pushQueue = openQueue(WEBSUB_PUSH_QUEUE, bull);

const subscriberAt = (host: string) => startWebSubSubscriber({ host });
const racers = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'].map(subscriberAt));
const late = await subscriberAt('127.0.0.7');
const sameHost = await Promise.all([1, 2].map(() => subscriberAt('127.0.0.8')));
const lastOne = await subscriberAt('127.0.0.9');
const outside = await subscriberAt('127.0.0.100');
const everyone = [...racers, late, ...sameHost, lastOne, outside];

const hub = async (form: Record<string, string>) => {
  const response = await fetch(`${api.url}/websub`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as { error?: string; message?: string } };
};
const subscribe = (topic: string, callback: string) =>
  hub({ 'hub.mode': 'subscribe', 'hub.topic': `${api.url}/feeds/${topic}`, 'hub.callback': callback });
const live = async (format: string) => (await store.list('all', format)).map((s) => s.callback).sort();

beforeAll(async () => {
  await api.start();
  delivery = new DeliveryService(parseConfig(DeliveryConfig, { ...iso.env, ...limits, PUBLIC_BASE_URL: api.url }), logger);
  await delivery.start();
});

afterAll(async () => {
  await Promise.allSettled([api.stop(), delivery?.stop(), hubQueue.close(), pushQueue.close(), ...everyone.map((s) => s.close())]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('WebSub bounds', () => {
  it('stores no more than WEBSUB_MAX_PER_TOPIC of racing subscriptions, denies the rest, then answers 429', async () => {
    // All five pass the API's look (nothing is stored yet) and are verified at once: the store decides.
    const answers = await Promise.all(racers.map((r) => subscribe('all.rss', r.callback)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const deniedOnes = () => racers.filter((r) => r.verifications.some((v) => v.mode === 'denied'));
    await eventually(
      async () => (deniedOnes().length === 2 && (await live('rss')).length === 3 ? true : undefined),
      20_000,
      'three in, two denied',
    );
    const denied = racers.flatMap((r) => r.verifications.filter((v) => v.mode === 'denied'));
    expect(denied[0]!.reason).toMatch(/at most 3 subscriptions per topic/);

    const refused = await subscribe('all.rss', late.callback);
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('too_many_subscriptions');
    expect(refused.json.message).toMatch(/at most 3 subscriptions per topic/);
    expect(late.verifications).toEqual([]); // not even asked
    // A renewal is not a new subscription.
    const renewing = racers.find((r) => !r.verifications.some((v) => v.mode === 'denied'))!;
    expect((await subscribe('all.rss', renewing.callback)).status).toBe(202);
  });

  it('holds WEBSUB_MAX_PER_CALLBACK_HOST over all topics, and WEBSUB_MAX_TOTAL', async () => {
    for (const s of sameHost) expect((await subscribe('all.atom', s.callback)).status).toBe(202);
    await eventually(async () => ((await live('atom')).length === 2 ? true : undefined), 20_000, 'both on one host verified');
    const thirdOnHost = await subscribe('all.json', sameHost[0]!.callback.replace('/callback', '/another'));
    expect(thirdOnHost.status).toBe(429);
    expect(thirdOnHost.json.message).toMatch(/at most 2 subscriptions per callback host/);
    // 3 + 2 = 5 live subscriptions: the hub is full, whatever the topic and host.
    const sixth = await subscribe('all.json', lastOne.callback);
    expect(sixth.status).toBe(429);
    expect(sixth.json.message).toMatch(/at most 5 subscriptions/);
    expect(await store.count()).toBe(5);
  });
});

describe('the WebSub allowlist', () => {
  it('refuses a private callback at subscribe time although the webhook allowlist allows it', async () => {
    const refused = await subscribe('all.rss', outside.callback);
    expect(refused.status).toBe(400);
    expect(refused.json.message).toMatch(/refused/);
    // The same address as a webhook: allowed, by SYNDICATE_WEBHOOK_ALLOWLIST.
    const webhook = await fetch(`${api.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'webhook', url: outside.callback }),
    });
    expect(webhook.status).toBe(201);
  });

  it('refuses it at verification and at every push too (a request that got past the API, or an allowlist since narrowed)', async () => {
    // A verification queued as if the API had taken it.
    const job = verifyJob(
      { mode: 'subscribe', topic: `${api.url}/feeds/all.json`, slug: 'all', format: 'json', callback: outside.callback, leaseSeconds: 600 },
      iso.keyring,
    );
    const verification = await hubQueue.add(job.name, job.data, { ...job.opts, removeOnComplete: false });
    const verified = await eventually(
      async () => (await hubQueue.getJob(verification.id!))?.returnvalue ?? undefined,
      20_000,
      'the verification',
    );
    expect(verified).toMatchObject({ verified: false, refused: expect.stringMatching(/refused/) });

    // A subscription stored as if verified before the allowlist was narrowed, and a change to push.
    const far = Date.now() + 600_000;
    const subscription = {
      topic: `${api.url}/feeds/all.json`,
      slug: 'all',
      format: 'json' as const,
      callback: outside.callback,
      leaseSeconds: 600,
    };
    expect(await store.put({ ...subscription, expiresAt: far }, { perTopic: 100, perCallbackHost: 100, total: 100 })).toBeNull();
    const change = distributeJob('all');
    await hubQueue.add(change.name, change.data, change.opts);
    await eventually(async () => ((await live('json')).length === 0 ? true : undefined), 20_000, 'the refused subscription ended');
    // Everyone else got the change; the address outside the hub's allowlist never heard from it.
    const rss = await live('rss');
    const reached = [...racers.filter((r) => rss.includes(r.callback)), ...sameHost];
    await eventually(() => (reached.every((s) => s.pushes.length > 0) ? true : undefined), 20_000, 'the pushes to the others');
    expect(outside.verifications).toEqual([]);
    expect(outside.pushes).toEqual([]);
  });
});
