import type { WebhookSubscription } from '@syndicate/contracts';
import { DelayedError, UnrecoverableError } from '@syndicate/redis-runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  batchJobProcessor,
  type EndpointWorker,
  type EndpointWorkerOptions,
  EndpointWorkers,
  settleQueuedJob,
} from './delivery-workers.js';
import { DeliveryFailedError } from './retry.js';
import { webhookEndpoint } from './testing.js';

const webhook = (fields: Partial<WebhookSubscription> = {}) => webhookEndpoint(fields.id ?? 'e1', fields);
afterEach(() => {
  vi.useRealTimers();
});

describe('settleQueuedJob', () => {
  const job = () => ({ moveToDelayed: vi.fn(async () => undefined) });

  it('completes a delivered or superseded job with what it came to', async () => {
    expect(await settleQueuedJob({ kind: 'delivered', status: 204 }, job())).toEqual({ status: 204 });
    expect(await settleQueuedJob({ kind: 'superseded', by: 7 }, job())).toEqual({ status: 0, superseded: 7 });
  });

  it('throws a failure for BullMQ to retry, with its Retry-After, and a dead delivery as unrecoverable', async () => {
    const failed = settleQueuedJob({ kind: 'failed', reason: 'HTTP 429', retryAfterMs: 2_000 }, job());
    await expect(failed).rejects.toBeInstanceOf(DeliveryFailedError);
    await expect(failed).rejects.toMatchObject({ message: 'HTTP 429', retryAfterMs: 2_000 });
    await expect(settleQueuedJob({ kind: 'dead', reason: '410 Gone' }, job())).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it('moves a job that waits for a slot back to the delayed set, with its lock token, using up no attempt', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const waiting = job();
    await expect(settleQueuedJob({ kind: 'wait', delayMs: 150 }, waiting, 'lock-token')).rejects.toBeInstanceOf(DelayedError);
    expect(waiting.moveToDelayed).toHaveBeenCalledWith(1_000_150, 'lock-token');
  });
});

describe('batchJobProcessor', () => {
  it('fails a malformed batch for good, and hands a good one to the batch step', async () => {
    const deliver = vi.fn(async () => ({ delivered: 1, handedOver: 0 }));
    const process = batchJobProcessor({ deliver });
    await expect(process({ data: { articleId: 'a1' } })).rejects.toBeInstanceOf(UnrecoverableError);
    const batch = {
      type: 'article.published',
      articleId: 'a1',
      version: 1,
      body: '{}',
      attempts: 3,
      endpoints: [{ subscriptionId: 'e1', messageId: 'msg_1' }],
    };
    expect(await process({ data: batch })).toEqual({ delivered: 1, handedOver: 0 });
    expect(deliver).toHaveBeenCalledWith(batch);
  });
});

describe('EndpointWorkers', () => {
  function harness() {
    const started: Array<{ name: string; options: EndpointWorkerOptions; closed: boolean }> = [];
    const concurrency: string[] = [];
    const backoffStrategy = () => 1;
    const workers = new EndpointWorkers({
      connection: undefined as never, // never used: the fake factory makes every worker
      workerOptions: { lockDuration: 20_000 },
      process: async () => undefined,
      retry: { backoffStrategy },
      queues: { setConcurrency: async (id, n) => void concurrency.push(`${id} ${n}`) },
      logger: { warn: () => undefined, error: () => undefined },
      createWorker: (name, options): EndpointWorker => {
        const entry = { name, options, closed: false };
        started.push(entry);
        return {
          close: async () => {
            entry.closed = true;
          },
          waitUntilReady: async () => undefined,
          on: () => undefined,
        };
      },
    });
    return { workers, started, concurrency, backoffStrategy };
  }

  it('starts a worker per endpoint with its concurrency, the shared options and the retry schedule, and sets the queue’s concurrency', () => {
    const { workers, started, concurrency, backoffStrategy } = harness();
    workers.sync('e1', webhook({ maxConcurrency: 3 }));
    expect(started).toHaveLength(1);
    expect(started[0]?.name).toBe('webhooks.e1');
    expect(started[0]?.options).toMatchObject({ lockDuration: 20_000, concurrency: 3, settings: { backoffStrategy } });
    expect(started[0]?.options.limiter).toBeUndefined();
    expect(concurrency).toEqual(['e1 3']);
  });

  it('gives a rate-limited endpoint’s worker a limiter of that many jobs a second', () => {
    const { workers, started } = harness();
    workers.sync('e1', webhook({ rateLimitPerSecond: 4 }));
    expect(started[0]?.options.limiter).toEqual({ max: 4, duration: 1_000 });
  });

  it('keeps the worker when nothing about its limits changed, and replaces it when they did', () => {
    const { workers, started } = harness();
    workers.sync('e1', webhook());
    workers.sync('e1', webhook({ url: 'https://moved.example/in', paused: true }));
    expect(started).toHaveLength(1);
    workers.sync('e1', webhook({ maxConcurrency: 8 }));
    expect(started.map((s) => [s.options.concurrency, s.closed])).toEqual([
      [4, true],
      [8, false],
    ]);
  });

  it('closes the worker of a deleted endpoint, and on close every worker, after which changes start none', async () => {
    const { workers, started } = harness();
    workers.sync('e1', webhook());
    workers.sync('e2', webhook({ id: 'e2' }));
    workers.sync('e1', undefined);
    expect(started.map((s) => s.closed)).toEqual([true, false]);
    await workers.close();
    expect(started.map((s) => s.closed)).toEqual([true, true]);
    workers.sync('e3', webhook({ id: 'e3' }));
    expect(started).toHaveLength(2);
    await workers.close(); // idempotent
  });
});
