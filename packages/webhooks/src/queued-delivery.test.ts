import type { WebhookSubscription } from '@syndicate/contracts';
import { describe, expect, it, vi } from 'vitest';
import type { AttemptOutcome } from './endpoint-caller.js';
import type { WebhookJob } from './jobs.js';
import { QueuedDelivery, type QueuedDeliveryOptions, type QueuedJob } from './queued-delivery.js';
import { webhookEndpoint, webhookJob } from './testing.js';

const endpoint = (fields: Partial<WebhookSubscription> = {}) => webhookEndpoint('e1', { maxConcurrency: 2, ...fields });
const delivery = webhookJob({ body: '{"n":1}' });

const job = (data: unknown, counts: { attemptsMade?: number; attemptsStarted?: number } = {}) => {
  const updates: WebhookJob[] = [];
  const queued: QueuedJob = {
    data,
    attemptsMade: counts.attemptsMade ?? 0,
    attemptsStarted: counts.attemptsStarted ?? 1,
    updateData: async (next) => void updates.push(next),
  };
  return { queued, updates };
};

const outcome = (result: AttemptOutcome['result']): AttemptOutcome => ({
  result,
  record: { endpointId: 'e1', attempt: { at: '', messageId: 'msg_1', attempt: 1, status: 204, latencyMs: 1, ok: true } },
});

function step(fields: Partial<QueuedDeliveryOptions> = {}) {
  const calls = { attempts: [] as number[], bodies: [] as string[], recorded: 0, released: [] as string[] };
  const options: QueuedDeliveryOptions = {
    endpointOf: (id) => (id === 'e1' ? endpoint() : undefined),
    versions: { version: async () => 2 },
    slots: { takeOne: async () => 'lease-1', release: async (token) => void calls.released.push(token) },
    caller: {
      attempt: async (_endpoint, _delivery, body, attempt) => {
        calls.attempts.push(attempt);
        calls.bodies.push(body.toString());
        return outcome({ kind: 'delivered', status: 204 });
      },
    },
    attemptLog: {
      record: async (records) => {
        calls.recorded += records.length;
      },
    },
    requireHttps: false,
    random: () => 0,
    ...fields,
  };
  return { step: new QueuedDelivery(options), calls };
}

describe('QueuedDelivery.deliver', () => {
  it('attempts under a slot, logs the attempt and gives the slot back', async () => {
    const { step: s, calls } = step();
    expect(await s.deliver(job(delivery).queued)).toEqual({ kind: 'delivered', status: 204 });
    expect(calls).toEqual({ attempts: [1], bodies: ['{"n":1}'], recorded: 1, released: ['lease-1'] });
  });

  it('numbers the attempt on from those made before: by the batch, and by earlier runs of the job', async () => {
    const { step: s, calls } = step();
    await s.deliver(job({ ...delivery, attemptsBefore: 1 }, { attemptsMade: 2, attemptsStarted: 3 }).queued);
    expect(calls.attempts).toEqual([4]);
  });

  it('passes a failure on with its Retry-After, and gives the slot back even when the attempt throws', async () => {
    const failing = step({ caller: { attempt: async () => outcome({ kind: 'failed', reason: 'HTTP 429', retryAfterMs: 9_000 }) } });
    expect(await failing.step.deliver(job(delivery).queued)).toEqual({ kind: 'failed', reason: 'HTTP 429', retryAfterMs: 9_000 });
    const throwing = step({
      caller: {
        attempt: async () => {
          throw new Error('redis down');
        },
      },
    });
    await expect(throwing.step.deliver(job(delivery).queued)).rejects.toThrow('redis down');
    expect(throwing.calls.released).toEqual(['lease-1']);
  });

  it('drops a delivery a newer version supersedes, before any attempt', async () => {
    const { step: s, calls } = step({ versions: { version: async () => 3 } });
    expect(await s.deliver(job(delivery).queued)).toEqual({ kind: 'superseded', by: 3 });
    expect(calls.attempts).toEqual([]);
  });

  it('is dead, unattempted, when malformed or its endpoint is gone, disabled or refused for want of https', async () => {
    const cases: Array<[Partial<QueuedDeliveryOptions>, unknown, RegExp]> = [
      [{}, { ...delivery, messageId: 'no prefix' }, /^malformed job/],
      [{ endpointOf: () => undefined }, delivery, /no longer exists/],
      [{ endpointOf: () => endpoint({ disabled: { at: '2026-01-01T00:00:00Z', reason: '410 Gone' } }) }, delivery, /disabled: 410 Gone/],
      [{ endpointOf: () => endpoint({ url: 'http://e1.example/in' }), requireHttps: true }, delivery, /https is required/],
    ];
    for (const [fields, data, reason] of cases) {
      const { step: s, calls } = step(fields);
      const result = await s.deliver(job(data).queued);
      expect(result.kind === 'dead' && result.reason).toMatch(reason);
      expect(calls.attempts).toEqual([]);
    }
  });

  it('turns a dead letter handed over by a batch into a dead job, clearing the mark so that a replay is a fresh try', async () => {
    const { step: s, calls } = step();
    const { queued, updates } = job({ ...delivery, deadLetter: '410 Gone' });
    expect(await s.deliver(queued)).toEqual({ kind: 'dead', reason: '410 Gone' });
    expect(updates).toEqual([{ ...delivery, deadLetter: undefined }]);
    expect(calls.attempts).toEqual([]);
  });

  it('waits without an attempt when every slot is taken, longer each time in a row', async () => {
    const { step: s, calls } = step({ slots: { takeOne: async () => null, release: vi.fn() } });
    expect(await s.deliver(job(delivery, { attemptsMade: 0, attemptsStarted: 1 }).queued)).toEqual({ kind: 'wait', delayMs: 50 });
    expect(await s.deliver(job(delivery, { attemptsMade: 0, attemptsStarted: 3 }).queued)).toEqual({ kind: 'wait', delayMs: 200 });
    // Waits are counted since the last real attempt.
    expect(await s.deliver(job(delivery, { attemptsMade: 2, attemptsStarted: 3 }).queued)).toEqual({ kind: 'wait', delayMs: 50 });
    expect(calls.attempts).toEqual([]);
  });
});
