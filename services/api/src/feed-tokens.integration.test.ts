/**
 * Partner-only feed tokens at rest: only a hash of the token is on the `subscriptions` topic; the token is
 * answered once, at creation or rotation; a rotation ends the old token at once (feeds and the WebSub hub);
 * and a feed written before tokens were hashed still opens with its token.
 */
import { parseConfig } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { KeyedProducer } from '@syndicate/kafka-runtime';
import { feedTokenHash } from '@syndicate/subscriptions';
import { cleanRedis, isolation, readTopic, testKafka, testLogger, testRedis } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';

const iso = isolation();
const TOKEN = 'feed-tokens-admin-token';
const redis = testRedis();
const kafka = testKafka();
const topic = topicNames(iso.topicPrefix).subscriptions;
const api = new ApiService(
  parseConfig(ApiConfig, { ...iso.env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN, SYNDICATE_WEBSUB_ALLOWLIST: '127.0.0.0/8' }),
  testLogger('api'),
);

const admin = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
};
const feed = (slug: string, token?: string) =>
  fetch(`${api.url}/feeds/${slug}.rss`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then((r) => r.status);
const subscribe = (slug: string, token: string) =>
  fetch(`${api.url}/websub`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      'hub.mode': 'subscribe',
      'hub.topic': `${api.url}/feeds/${slug}.atom?token=${token}`,
      'hub.callback': 'http://127.0.0.1:9/callback',
    }),
  }).then((r) => r.status);

beforeAll(() => api.start());
afterAll(async () => {
  await api.stop();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('partner-only feed tokens', () => {
  let id: string;
  let token: string;

  it('keep only the hash of the token on the subscriptions topic, and show the token once', async () => {
    const created = await admin('POST', '/v1/subscriptions', { type: 'feed', slug: 'agency', access: 'token' });
    expect(created.status).toBe(201);
    ({ id, token } = JSON.parse(created.text) as { id: string; token: string });
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(created.text).not.toContain('tokenHash');

    const [record] = await readTopic(kafka, topic, 1);
    expect(record!.value).not.toContain(token);
    expect(JSON.parse(record!.value!)).toMatchObject({ id, tokenHash: feedTokenHash(token) });
    expect(JSON.parse(record!.value!)).not.toHaveProperty('token');

    expect(await feed('agency')).toBe(401);
    expect(await feed('agency', token)).toBe(200);
    const shown = (await admin('GET', `/v1/subscriptions/${id}`)).text;
    expect(shown).not.toContain(token);
    expect(shown).not.toContain('tokenHash');
  });

  it('rotate: the new token is answered once and works; the old one stops at once, for feeds and the hub', async () => {
    expect(await subscribe('agency', token)).toBe(202);
    const rotated = await admin('POST', `/v1/subscriptions/${id}/rotate-token`);
    expect(rotated.status).toBe(200);
    const fresh = (JSON.parse(rotated.text) as { token: string }).token;
    expect(fresh).not.toBe(token);

    expect(await feed('agency', token)).toBe(401);
    expect(await feed('agency', fresh)).toBe(200);
    expect(await subscribe('agency', token)).toBe(403);
    expect(await subscribe('agency', fresh)).toBe(202);

    const records = await readTopic(kafka, topic, 2);
    expect(records[1]!.value).not.toContain(fresh);
    expect(JSON.parse(records[1]!.value!)).toMatchObject({ tokenHash: feedTokenHash(fresh) });
  });

  it('rotate is for partner-only feeds', async () => {
    const open = await admin('POST', '/v1/subscriptions', { type: 'feed', slug: 'open', access: 'public' });
    expect((await admin('POST', `/v1/subscriptions/${JSON.parse(open.text).id}/rotate-token`)).status).toBe(409);
    expect((await admin('POST', '/v1/subscriptions/sub_nope/rotate-token')).status).toBe(404);
  });

  it('still open with their token when written before tokens were hashed', async () => {
    const producer = new KeyedProducer(kafka);
    await producer.start();
    const old = 'a-token-from-before-hashing-000000';
    await producer.send(topic, [
      {
        key: 'sub_old',
        value: JSON.stringify({
          id: 'sub_old',
          type: 'feed',
          slug: 'old-partner',
          access: 'token',
          token: old,
          createdAt: new Date().toISOString(),
        }),
        headers: {},
      },
    ]);
    await producer.stop();
    await api.deps.registry.waitFor('sub_old');
    expect(await feed('old-partner')).toBe(401);
    expect(await feed('old-partner', 'wrong')).toBe(401);
    expect(await feed('old-partner', old)).toBe(200);
    expect(await subscribe('old-partner', old)).toBe(202);
  });
});
