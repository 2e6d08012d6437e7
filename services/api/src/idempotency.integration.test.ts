/**
 * `Idempotency-Key` on a real API and Redis: the first answer to a key is the answer to every retry with it, a key
 * is bound to its request, and a key in use by a running request is not run twice.
 */
import { parseConfig } from '@syndicate/config';
import { cleanRedis, isolation, testLogger, testRedis } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';

const iso = isolation();
const TOKEN = 'idempotency-test-admin-token';
const redis = testRedis();
const api = new ApiService(parseConfig(ApiConfig, { ...iso.env, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN }), testLogger('api'));

const post = async (path: string, body: unknown, key?: string) => {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    json: (await response.json()) as Record<string, unknown>,
  };
};

beforeAll(() => api.start());
afterAll(async () => {
  await api.stop();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('Idempotency-Key', () => {
  it('answers a retry with the first answer, status and body, without doing the work again', async () => {
    const story = { id: 'idem-1', headline: 'Retried story', body: ['Text.'] };
    const first = await post('/v1/articles', story, 'key-1');
    expect(first).toMatchObject({ status: 202, replayed: null, json: { id: 'idem-1', version: 1 } });
    const retry = await post('/v1/articles', story, 'key-1');
    expect(retry).toEqual({ ...first, replayed: 'true' });
    // A subscription holds a secret shown once: the retry shows the same one, and no second subscription exists.
    const hook = { type: 'webhook', url: 'https://hooks.example.com/in' };
    const created = await post('/v1/subscriptions', hook, 'key-2');
    expect(created.status).toBe(201);
    expect(await post('/v1/subscriptions', hook, 'key-2')).toEqual({ ...created, replayed: 'true' });
    // The kept answer is sealed: the secret it shows once is nowhere in Redis in the clear.
    const kept = await redis.keys(`${iso.redisKeyPrefix}idempotency:*`);
    expect(kept.length).toBeGreaterThan(0);
    for (const key of kept) expect(await redis.get(key)).not.toContain(String(created.json.secret));
    const listed = await fetch(`${api.url}/v1/subscriptions`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await listed.json()) as { subscriptions: unknown[] }).subscriptions).toHaveLength(1);
  });

  it('refuses the same key with another body (422) and a key over 255 characters (400)', async () => {
    expect((await post('/v1/articles', { id: 'idem-2', headline: 'One', body: ['Text.'] }, 'key-3')).status).toBe(202);
    const reused = await post('/v1/articles', { id: 'idem-2', headline: 'Two', body: ['Text.'] }, 'key-3');
    expect(reused).toMatchObject({ status: 422, json: { error: 'idempotency_key_reused' } });
    const long = await post('/v1/articles', { id: 'idem-3', headline: 'Three', body: ['Text.'] }, 'k'.repeat(256));
    expect(long).toMatchObject({ status: 400, json: { error: 'invalid_idempotency_key' } });
    expect((await post('/v1/articles', { id: 'idem-3', headline: 'Three', body: ['Text.'] }, 'k'.repeat(255))).status).toBe(202);
  });

  it('answers 409 to a second request while the first with its key runs, then the first answer', async () => {
    // Hold the first request inside its Kafka send until the second has been answered.
    const producer = api.deps.producer;
    const send = producer.send.bind(producer);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let sending!: () => void;
    const isSending = new Promise<void>((resolve) => {
      sending = resolve;
    });
    producer.send = async (...args: Parameters<typeof send>) => {
      sending();
      await released;
      return send(...args);
    };
    try {
      const story = { id: 'idem-4', headline: 'Slow story', body: ['Text.'] };
      const first = post('/v1/articles', story, 'key-4');
      await isSending;
      expect(await post('/v1/articles', story, 'key-4')).toMatchObject({ status: 409, json: { error: 'idempotency_key_in_use' } });
      release();
      expect(await first).toMatchObject({ status: 202, json: { version: 1 } });
      expect(await post('/v1/articles', story, 'key-4')).toMatchObject({ status: 202, replayed: 'true', json: { version: 1 } });
    } finally {
      producer.send = send;
    }
  });
});
