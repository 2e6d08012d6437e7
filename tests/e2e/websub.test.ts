/**
 * The built-in WebSub hub with real subscribers on loopback: subscribe, verification of intent, content
 * distribution when an article is published (signature checks out), refusal of unconfirmed intent, 410
 * ending a subscription, and unsubscribe.
 */
import { createHmac } from 'node:crypto';
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseConfig } from '@syndicate/config';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { EnricherConfig, EnricherService } from '@syndicate/enricher';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { cleanRedis, eventually, isolation, testLogger, testRedis } from '@syndicate/test-support';
import { SubscriberStore } from '@syndicate/websub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebSubSubscriber } from '../support/websub-subscriber.js';

const TOKEN = 'websub-test-admin-token';
const iso = isolation();
const infra = iso.env;
const logger = testLogger('websub');
const redis = testRedis();

const api = new ApiService(
  parseConfig(ApiConfig, { ...infra, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8' }),
  logger,
);
const enricher = new EnricherService(parseConfig(EnricherConfig, { ...infra, ENRICHER_GROUP_ID: `enricher-${iso.id}` }), logger);
const fanout = new FanoutService(parseConfig(FanoutConfig, { ...infra, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger);
let delivery: DeliveryService;

const subscriber = await startWebSubSubscriber();
const doubter = await startWebSubSubscriber({ confirm: false });
const leaver = await startWebSubSubscriber({ pushStatus: 410 });

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

beforeAll(async () => {
  await api.start();
  // The hub's pushes carry the documents the API serves, so both share the public base URL.
  delivery = new DeliveryService(
    parseConfig(DeliveryConfig, { ...infra, PUBLIC_BASE_URL: api.url, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8' }),
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

    const store = new SubscriberStore(redis, iso.redisKeyPrefix);
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
    const store = new SubscriberStore(redis, iso.redisKeyPrefix);
    await eventually(async () => ((await store.list('all', 'json')).length === 0 ? true : undefined), 10_000, 'the leaver unsubscribed');
  });

  it('unsubscribes after verifying that intent too', async () => {
    expect(
      (await hub({ 'hub.mode': 'unsubscribe', 'hub.topic': `${api.url}/feeds/all.atom`, 'hub.callback': subscriber.callback })).status,
    ).toBe(202);
    await eventually(() => subscriber.verifications.find((v) => v.mode === 'unsubscribe'), 20_000, 'the unsubscribe verification');
    const store = new SubscriberStore(redis, iso.redisKeyPrefix);
    await eventually(async () => ((await store.list('all', 'atom')).length === 0 ? true : undefined), 10_000, 'no atom subscribers');
  });
});
