import type { Subscription, WebhookSubscription } from '@syndicate/contracts';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EndpointCaller } from './endpoint-caller.js';
import { AddressRefusedError, type DeliveryOutcome } from './sender.js';
import { generateSecret } from './signing.js';
import { webhookEndpoint, webhookJob } from './testing.js';

const DISABLE_AFTER_MS = 60_000;
const FAILING_KEY = 'p:webhooks:failing-since:e1';

const endpoint = (fields: Partial<WebhookSubscription> = {}) =>
  webhookEndpoint('e1', { url: 'https://hooks.example/in', secret: generateSecret(), ...fields });
const delivery = webhookJob({ version: 1, body: '{"type":"article.published"}' });

/** A caller over fakes: `answer` is what the endpoint does with each request. */
function caller(answer: (url: string, body: Buffer, headers: Record<string, string>) => Promise<DeliveryOutcome>) {
  const store = new Map<string, string>();
  const redis = {
    set: vi.fn(async (key: string, value: string, _nx: 'NX') => {
      if (store.has(key)) return null;
      store.set(key, value);
      return 'OK';
    }),
    get: vi.fn(async (key: string) => store.get(key) ?? null),
    del: vi.fn(async (key: string) => Number(store.delete(key))),
  };
  const written: Subscription[] = [];
  const operations: Array<{ topic: string; key: string; value: string }> = [];
  const outcomes: string[] = [];
  const instance = new EndpointCaller({
    sender: { send: answer },
    redis,
    writer: { put: async (s) => void written.push(s) },
    producer: { send: async (topic, records) => void operations.push(...records.map((r) => ({ topic, ...r }))) },
    operationsTopic: 'ops',
    keyPrefix: 'p:',
    disableAfterMs: DISABLE_AFTER_MS,
    logger: { warn: () => undefined, error: () => undefined },
    metrics: { attempts: { inc: ({ outcome }) => void outcomes.push(outcome) }, latencySeconds: { observe: () => undefined } },
  });
  return { instance, store, written, operations, outcomes };
}

const answered = (status: number, extra: Partial<DeliveryOutcome> = {}) =>
  vi.fn(async () => ({ ok: status >= 200 && status < 300, status, latencyMs: 5, responseSnippet: '', ...extra }));

afterEach(() => {
  vi.useRealTimers();
});

describe('EndpointCaller.attempt', () => {
  it('signs with the current secret and every previous one still valid, and not with an expired one', async () => {
    const live = generateSecret();
    const expired = generateSecret();
    const target = endpoint({
      previousSecrets: [
        { secret: live, expiresAt: new Date(Date.now() + 60_000).toISOString() },
        { secret: expired, expiresAt: new Date(Date.now() - 1).toISOString() },
      ],
    });
    const send = answered(204);
    const { instance } = caller(send);
    await instance.attempt(target, delivery, Buffer.from(delivery.body), 1);
    const [url, body, headers] = send.mock.calls[0] as unknown as [string, Buffer, Record<string, string>];
    expect(url).toBe(target.url);
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const secret of [target.secret, live]) expect(() => new Webhook(secret).verify(body.toString(), headers)).not.toThrow();
    expect(() => new Webhook(expired).verify(body.toString(), headers)).toThrow();
  });

  it('a 2xx is delivered, and its log entry ends a failing streak in the same round trip', async () => {
    const { instance, outcomes } = caller(answered(200, { responseSnippet: 'thanks' }));
    const outcome = await instance.attempt(endpoint(), delivery, Buffer.from(delivery.body), 3);
    expect(outcome.result).toEqual({ kind: 'delivered', status: 200 });
    expect(outcome.record).toMatchObject({
      endpointId: 'e1',
      attempt: { messageId: 'msg_1', attempt: 3, status: 200, ok: true, response: 'thanks' },
      alsoDelete: [FAILING_KEY],
    });
    expect(outcomes).toEqual(['delivered']);
  });

  it('another answer fails with its Retry-After and starts a failing streak', async () => {
    const { instance, store, written } = caller(answered(429, { retryAfterMs: 7_000 }));
    const outcome = await instance.attempt(endpoint(), delivery, Buffer.from(delivery.body), 1);
    expect(outcome.result).toEqual({ kind: 'failed', reason: 'HTTP 429', retryAfterMs: 7_000 });
    expect(outcome.record.alsoDelete).toEqual([]);
    expect(store.has(FAILING_KEY)).toBe(true);
    expect(written).toEqual([]);
  });

  it('disables an endpoint still failing once the window has passed since its first failure, and tells operators', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
    const { instance, written, operations, store } = caller(answered(500));
    await instance.attempt(endpoint(), delivery, Buffer.from(delivery.body), 1);
    vi.setSystemTime(Date.now() + DISABLE_AFTER_MS - 1);
    await instance.attempt(endpoint(), delivery, Buffer.from(delivery.body), 2);
    expect(written).toEqual([]); // not yet: one millisecond short of the window
    vi.setSystemTime(Date.now() + 1);
    await instance.attempt(endpoint(), delivery, Buffer.from(delivery.body), 3);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ id: 'e1', disabled: { reason: 'failing since 2026-01-01T00:00:00.000Z' } });
    expect(operations).toEqual([{ topic: 'ops', key: 'e1', value: expect.stringContaining('"webhook.endpoint.disabled"'), headers: {} }]);
    expect(store.has(FAILING_KEY)).toBe(false); // a fresh streak if it is enabled again
  });

  it('410 Gone is dead at once and disables the endpoint', async () => {
    const { instance, written, operations } = caller(answered(410));
    const outcome = await instance.attempt(endpoint(), delivery, Buffer.from(delivery.body), 1);
    expect(outcome.result).toMatchObject({ kind: 'dead', reason: expect.stringMatching(/^410 Gone/) });
    expect(written[0]?.type === 'webhook' && written[0].disabled?.reason).toMatch(/^410 Gone/);
    expect(operations).toHaveLength(1);
  });

  it('does not disable an endpoint that is disabled already', async () => {
    const { instance, written } = caller(answered(410));
    await instance.attempt(endpoint({ disabled: { at: '2026-01-01T00:00:00Z', reason: 'by hand' } }), delivery, Buffer.from(''), 1);
    expect(written).toEqual([]);
  });

  it('no answer is a failure to retry, except a refused address, which is dead', async () => {
    const { instance: failing, outcomes } = caller(async () => {
      throw new Error('connect ECONNREFUSED');
    });
    const failed = await failing.attempt(endpoint(), delivery, Buffer.from(delivery.body), 1);
    expect(failed.result).toEqual({ kind: 'failed', reason: 'connect ECONNREFUSED' });
    expect(failed.record.attempt).toMatchObject({ status: null, ok: false, error: 'connect ECONNREFUSED' });
    expect(outcomes).toEqual(['error']);
    const { instance: refusing } = caller(async () => {
      throw new AddressRefusedError('hooks.example resolves only to refused addresses (10.0.0.1)');
    });
    expect((await refusing.attempt(endpoint(), delivery, Buffer.from(delivery.body), 1)).result.kind).toBe('dead');
  });

  it('an attempt that times out is logged with the time it took, so the endpoint health p99 counts it', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const { instance } = caller(async () => {
        vi.advanceTimersByTime(10_000);
        throw new Error('Headers Timeout Error');
      });
      const timedOut = await instance.attempt(endpoint(), delivery, Buffer.from(delivery.body), 1);
      expect(timedOut.record.attempt).toMatchObject({ status: null, ok: false, latencyMs: 10_000 });
    } finally {
      vi.useRealTimers();
    }
  });
});
