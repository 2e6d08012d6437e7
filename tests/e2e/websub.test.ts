/**
 * The built-in WebSub hub with real subscribers on loopback: subscribe, verification of intent, content
 * distribution when an article is published (signature checks out), refusal of unconfirmed intent, 410
 * ending a subscription, and unsubscribe; hub.secret and partner tokens never in the clear in Redis or job
 * data, identical requests verified once, a change rendered once for all its subscribers, and subscriptions
 * ended by a rotated feed token or a deleted feed.
 */
import { createHmac } from 'node:crypto';
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseConfig } from '@syndicate/config';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { EnricherConfig, EnricherService } from '@syndicate/enricher';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { openQueue, WEBSUB_QUEUE } from '@syndicate/redis-runtime';
import { feedTokenHash } from '@syndicate/subscriptions';
import { cleanRedis, eventually, isolation, testLogger, testRedis } from '@syndicate/test-support';
import { SubscriberStore } from '@syndicate/websub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebSubSubscriber } from '../support/websub-subscriber.js';

const TOKEN = 'websub-test-admin-token';
const iso = isolation();
const infra = iso.env;
const logger = testLogger('websub');
const redis = testRedis();

// Subscribers live on loopback: the hub's own allowlist lets it call them (the webhooks' would not).
const api = new ApiService(
  parseConfig(ApiConfig, {
    ...infra,
    PORT: '0',
    SYNDICATE_ADMIN_TOKEN: TOKEN,
    SYNDICATE_WEBSUB_ALLOWLIST: '127.0.0.0/8',
    RATE_LIMIT_WEBSUB: '100000', // a thousand identical requests, below
  }),
  logger,
);
const enricher = new EnricherService(parseConfig(EnricherConfig, { ...infra, ENRICHER_GROUP_ID: `enricher-${iso.id}` }), logger);
const fanout = new FanoutService(parseConfig(FanoutConfig, { ...infra, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger);
let delivery: DeliveryService;

const subscriber = await startWebSubSubscriber();
const doubter = await startWebSubSubscriber({ confirm: false });
const leaver = await startWebSubSubscriber({ pushStatus: 410 });
const partner = await startWebSubSubscriber();
const readers = await Promise.all([1, 2, 3, 4].map(() => startWebSubSubscriber()));
const store = new SubscriberStore(redis, iso.redisKeyPrefix, iso.keyring);
const hubQueue = openQueue(WEBSUB_QUEUE, { connection: redis, keyPrefix: iso.redisKeyPrefix });

const hub = (form: Record<string, string>) =>
  fetch(`${api.url}/websub`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });

const publish = (headline: string) =>
  fetch(`${api.url}/v1/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ headline, body: [`${headline}, in full.`], categories: ['Local'] }),
  });

const admin = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, string> };
};

/** The delivery service's count of one metric (summed over labels matching `labels`). */
const metric = async (name: string, labels: Record<string, string> = {}) => {
  const found = delivery.metrics.getSingleMetric(name);
  if (!found) return 0;
  const { values } = await found.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
};

beforeAll(async () => {
  await api.start();
  // The hub's pushes carry the documents the API serves, so both share the public base URL.
  delivery = new DeliveryService(
    parseConfig(DeliveryConfig, { ...infra, PUBLIC_BASE_URL: api.url, SYNDICATE_WEBSUB_ALLOWLIST: '127.0.0.0/8' }),
    logger,
  );
  await Promise.all([enricher.start(), fanout.start(), delivery.start()]);
});

afterAll(async () => {
  await Promise.allSettled([
    api.stop(),
    enricher.stop(),
    fanout.stop(),
    delivery?.stop(),
    subscriber.close(),
    doubter.close(),
    leaver.close(),
    partner.close(),
    ...readers.map((r) => r.close()),
    hubQueue.close(),
  ]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('WebSub hub', () => {
  const secret = 'a subscriber secret';

  it('advertises itself in every feed', async () => {
    for (const format of ['rss', 'atom']) {
      expect(await (await fetch(`${api.url}/feeds/all.${format}`)).text()).toContain(`href="${api.url}/websub"`);
    }
    expect(((await (await fetch(`${api.url}/feeds/all.json`)).json()) as { hubs: unknown }).hubs).toEqual([
      { type: 'WebSub', url: `${api.url}/websub` },
    ]);
  });

  it('refuses topics that are not its feeds and callbacks it must not call', async () => {
    const foreign = await hub({
      'hub.mode': 'subscribe',
      'hub.topic': 'https://elsewhere.example/feed.xml',
      'hub.callback': subscriber.callback,
    });
    expect(foreign.status).toBe(400);
    const privateCallback = await hub({
      'hub.mode': 'subscribe',
      'hub.topic': `${api.url}/feeds/all.atom`,
      'hub.callback': 'http://10.1.1.1/cb',
    });
    expect(privateCallback.status).toBe(400);
    expect(await privateCallback.text()).toContain('refused');
    expect((await hub({ 'hub.mode': 'dance' })).status).toBe(400);
  });

  it('verifies intent before a subscription takes effect', async () => {
    const topic = `${api.url}/feeds/all.atom`;
    expect(
      (
        await hub({
          'hub.mode': 'subscribe',
          'hub.topic': topic,
          'hub.callback': subscriber.callback,
          'hub.secret': secret,
          'hub.lease_seconds': '600',
        })
      ).status,
    ).toBe(202);
    expect((await hub({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': doubter.callback })).status).toBe(202);
    expect((await hub({ 'hub.mode': 'subscribe', 'hub.topic': `${api.url}/feeds/all.json`, 'hub.callback': leaver.callback })).status).toBe(
      202,
    );

    const check = await eventually(() => subscriber.verifications[0], 20_000, 'the verification request');
    expect(check).toMatchObject({ mode: 'subscribe', topic, leaseSeconds: '600' });
    expect(check.challenge).toMatch(/^[\w-]{20,}$/);
    await eventually(() => doubter.verifications[0], 20_000, 'the doubter asked');

    await eventually(async () => ((await store.list('all', 'atom')).length === 1 ? true : undefined), 10_000, 'one live atom subscription');
    await eventually(async () => ((await store.list('all', 'json')).length === 1 ? true : undefined), 10_000, 'one live json subscription');
    const [live] = await store.list('all', 'atom');
    expect(live?.callback).toBe(subscriber.callback); // the doubter never confirmed
    expect(live!.expiresAt - Date.now()).toBeGreaterThan(590_000);
  });

  it('pushes the feed to subscribers when an article is published, signed with their secret', async () => {
    expect((await publish('Library extends weekend opening hours')).status).toBe(202);
    const push = await eventually(
      () => subscriber.pushes.find((p) => p.body.includes('Library extends weekend opening hours')),
      30_000,
      'the push',
    );
    expect(push.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(push.headers['x-hub-signature']).toBe(`sha256=${createHmac('sha256', secret).update(push.body).digest('hex')}`);
    expect(push.headers.link).toContain(`<${api.url}/websub>; rel="hub"`);
    expect(push.headers.link).toContain(`<${api.url}/feeds/all.atom>; rel="self"`);
    expect(doubter.pushes).toEqual([]);
  });

  it('ends a subscription whose callback answers 410 Gone', async () => {
    await eventually(() => leaver.pushes[0], 30_000, 'the push to the leaver');
    await eventually(async () => ((await store.list('all', 'json')).length === 0 ? true : undefined), 10_000, 'the leaver unsubscribed');
  });

  it('unsubscribes after verifying that intent too', async () => {
    expect(
      (await hub({ 'hub.mode': 'unsubscribe', 'hub.topic': `${api.url}/feeds/all.atom`, 'hub.callback': subscriber.callback })).status,
    ).toBe(202);
    await eventually(() => subscriber.verifications.find((v) => v.mode === 'unsubscribe'), 20_000, 'the unsubscribe verification');
    await eventually(async () => ((await store.list('all', 'atom')).length === 0 ? true : undefined), 10_000, 'no atom subscribers');
  });

  describe('a partner-only feed', () => {
    const partnerSecret = 'the partner subscriber secret';
    let feed: { id: string; token: string };
    let topic: string;

    it('keeps hub.secret and the feed token out of job data and Redis, and verifies a thousand identical requests once', async () => {
      const created = await admin('POST', '/v1/subscriptions', {
        type: 'feed',
        slug: 'wire',
        access: 'token',
        filter: { categories: ['Local'] },
      });
      expect(created.status).toBe(201);
      feed = { id: created.json.id!, token: created.json.token! };
      await delivery.registry.waitFor(feed.id);
      topic = `${api.url}/feeds/wire.atom?token=${feed.token}`;
      const form = { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': partner.callback, 'hub.secret': partnerSecret };

      await hubQueue.pause(); // the jobs wait, to be looked at
      try {
        for (let i = 0; i < 1_000; i += 50) {
          const statuses = await Promise.all(Array.from({ length: 50 }, async () => (await hub(form)).status));
          expect(new Set(statuses)).toEqual(new Set([202]));
        }
        const jobs = await hubQueue.getJobs(['waiting', 'paused', 'prioritized', 'delayed', 'active']);
        expect(jobs.map((j) => j.name)).toEqual(['verify']); // one job for a thousand requests
        const shown = JSON.stringify(jobs[0]!.data);
        expect(shown).toContain(partner.callback);
        expect(shown).not.toContain(partnerSecret);
        expect(shown).not.toContain(feed.token);
      } finally {
        await hubQueue.resume();
      }

      await eventually(async () => ((await store.list('wire', 'atom')).length === 1 ? true : undefined), 20_000, 'the partner verified');
      expect(partner.verifications.filter((v) => v.mode === 'subscribe')).toHaveLength(1);
      expect(partner.verifications[0]!.topic).toBe(topic); // echoed as given, token and all
      const raw = JSON.stringify(await redis.hgetall(SubscriberStore.recordsKey(iso.redisKeyPrefix, 'wire', 'atom')));
      expect(raw).toContain(partner.callback);
      expect(raw).not.toContain(partnerSecret);
      expect(raw).not.toContain(feed.token);
      expect((await store.get('wire', 'atom', partner.callback))?.secret).toBe(partnerSecret);

      expect((await publish('Partner wire carries the harbour story')).status).toBe(202);
      const push = await eventually(() => partner.pushes.find((p) => p.body.includes('harbour story')), 30_000, 'the partner push');
      expect(push.headers['x-hub-signature']).toBe(`sha256=${createHmac('sha256', partnerSecret).update(push.body).digest('hex')}`);
    });

    it('ends subscriptions made with a token once it is rotated', async () => {
      const rotated = await admin('POST', `/v1/subscriptions/${feed.id}/rotate-token`);
      expect(rotated.status).toBe(200);
      const newHash = feedTokenHash(rotated.json.token!);
      await delivery.registry.waitFor(feed.id, 10_000, (s) => s.type === 'feed' && s.tokenHash === newHash);
      expect((await hub({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': partner.callback })).status).toBe(403);
      const pushesBefore = partner.pushes.length;
      await publish('After the rotation nothing reaches the old token');
      await eventually(
        async () => ((await store.list('wire', 'atom')).length === 0 ? true : undefined),
        30_000,
        'the old subscription ended',
      );
      expect(partner.pushes.slice(pushesBefore).some((p) => p.body.includes('After the rotation'))).toBe(false);
      expect(
        (
          await hub({
            'hub.mode': 'subscribe',
            'hub.topic': `${api.url}/feeds/wire.atom?token=${rotated.json.token}`,
            'hub.callback': partner.callback,
          })
        ).status,
      ).toBe(202);
      await eventually(
        async () => ((await store.list('wire', 'atom')).length === 1 ? true : undefined),
        20_000,
        'subscribed with the new token',
      );
    });

    it('ends every subscription to a feed when the feed is deleted', async () => {
      expect((await admin('DELETE', `/v1/subscriptions/${feed.id}`)).status).toBe(204);
      await eventually(async () => ((await store.list('wire', 'atom')).length === 0 ? true : undefined), 20_000, 'the subscriptions ended');
      expect(await redis.exists(SubscriberStore.recordsKey(iso.redisKeyPrefix, 'wire', 'atom'))).toBe(0);
    });
  });

  it('renders a change once for all the subscribers of a topic', async () => {
    const topic = `${api.url}/feeds/all.rss`;
    for (const reader of readers)
      expect((await hub({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': reader.callback })).status).toBe(202);
    await eventually(
      async () => ((await store.list('all', 'rss')).length === readers.length ? true : undefined),
      20_000,
      'every reader verified',
    );
    const rendersBefore = await metric('syndicate_websub_renders_total', { format: 'rss' });
    await publish('Ferry timetable changes for the winter');
    for (const reader of readers)
      await eventually(() => reader.pushes.find((p) => p.body.includes('Ferry timetable')), 30_000, 'each push');
    expect(await metric('syndicate_websub_renders_total', { format: 'rss' })).toBe(rendersBefore + 1);
    expect(new Set(readers.map((r) => r.pushes.find((p) => p.body.includes('Ferry timetable'))!.body)).size).toBe(1); // the same bytes
  });
});
