import type { WebhookSubscription } from '@syndicate/contracts';
import {
  DelayedError,
  type Job,
  openWorker,
  type QueueConnection,
  UnrecoverableError,
  type WorkerOptions,
  webhookQueueName,
} from '@syndicate/redis-runtime';
import { z } from 'zod';
import type { BatchDelivery, BatchReport } from './batch-delivery.js';
import type { DeliveryLogger } from './delivery-ports.js';
import type { EndpointQueues } from './endpoint-queues.js';
import { WebhookBatchJob, type WebhookJob } from './jobs.js';
import type { QueuedDelivery, QueuedResult } from './queued-delivery.js';
import { DeliveryFailedError, type RetryPolicy } from './retry.js';

/**
 * Where the delivery steps meet BullMQ: what a job's result means to its queue, and the lifecycle of the
 * endpoints' workers.
 */

/** The longest a request holds its job (and its endpoint slot), and a little more: job locks, slot leases, guard jobs. */
export const deliveryLockMs = (longestRequestMs: number) => Math.max(10_000, longestRequestMs + 5_000);

/** A job whose worker died (its lock not renewed) is handed to another within about lockMs. */
export const stallRecovery = (lockMs: number) => ({ lockDuration: lockMs, stalledInterval: 5_000, maxStalledCount: 5 });

/**
 * Tells BullMQ what a queued delivery came to: the job completes with its status; a failure is thrown to be
 * retried on the schedule (or after Retry-After), a dead delivery to stay in the failed set as a dead letter
 * without more attempts, and a wait for a slot moves the job back to the delayed set without using one up.
 */
export async function settleQueuedJob(
  result: QueuedResult,
  job: Pick<Job, 'moveToDelayed'>,
  token?: string,
): Promise<{ status: number; superseded?: number }> {
  switch (result.kind) {
    case 'delivered':
      return { status: result.status };
    case 'superseded':
      return { status: 0, superseded: result.by };
    case 'wait':
      await job.moveToDelayed(Date.now() + result.delayMs, token);
      throw new DelayedError();
    case 'failed':
      throw new DeliveryFailedError(result.reason, result.retryAfterMs);
    case 'dead':
      throw new UnrecoverableError(result.reason);
  }
}

/** The processor of the endpoints' queues. */
export const queuedJobProcessor =
  (queued: Pick<QueuedDelivery, 'deliver'>) =>
  async (job: Job<WebhookJob>, token?: string): Promise<{ status: number; superseded?: number }> =>
    settleQueuedJob(await queued.deliver(job), job, token);

/** The processor of the batch queue (WEBHOOK_BATCH_QUEUE in redis-runtime's catalogue); a malformed batch fails for good. */
export const batchJobProcessor =
  (batches: Pick<BatchDelivery, 'deliver'>) =>
  async (job: Pick<Job, 'data'>): Promise<BatchReport> => {
    const parsed = WebhookBatchJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed batch: ${z.prettifyError(parsed.error)}`);
    return batches.deliver(parsed.data);
  };

/** What the lifecycle uses of an endpoint's worker (a BullMQ Worker). */
export interface EndpointWorker {
  close(): Promise<void>;
  waitUntilReady(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** A worker's options but its connection and prefix (the factory's, from a QueueConnection). */
export type EndpointWorkerOptions = Omit<WorkerOptions, 'connection' | 'prefix'>;

export interface EndpointWorkersOptions {
  /** The connection the workers block on (connectRedis' default, never fail-fast) and the deployment's key prefix. */
  connection: QueueConnection;
  /** What every endpoint's worker shares beyond the factory's recovery after Redis trouble: stall recovery. */
  workerOptions: EndpointWorkerOptions;
  /** Works one job of an endpoint's queue (see queuedJobProcessor). */
  process: (job: Job<WebhookJob>, token?: string) => Promise<unknown>;
  retry: Pick<RetryPolicy, 'backoffStrategy'>;
  queues: Pick<EndpointQueues, 'setConcurrency'>;
  logger: DeliveryLogger;
  /** Makes an endpoint's worker: redis-runtime's openWorker by default, a fake in tests. */
  createWorker?: (queueName: string, options: EndpointWorkerOptions) => EndpointWorker;
}

/**
 * The endpoint-worker lifecycle: one worker per webhook endpoint, with the endpoint's concurrency and rate
 * limit, started when the endpoint appears, replaced when its limits change and closed when it goes.
 */
export class EndpointWorkers {
  private readonly workers = new Map<string, { worker: EndpointWorker; limits: string }>();
  /** Workers being replaced or removed: close() waits for them too. */
  private readonly closing = new Set<Promise<void>>();
  private closed = false;
  private readonly createWorker: (queueName: string, options: EndpointWorkerOptions) => EndpointWorker;

  constructor(private readonly options: EndpointWorkersOptions) {
    this.createWorker =
      options.createWorker ?? ((name, workerOptions) => openWorker<WebhookJob>(name, options.process, options.connection, workerOptions));
  }

  /** Starts, replaces or closes the worker of endpoint `id` to match its subscription (undefined: deleted). */
  sync(id: string, endpoint: WebhookSubscription | undefined): void {
    const current = this.workers.get(id);
    const limits = endpoint ? `${endpoint.maxConcurrency}/${endpoint.rateLimitPerSecond ?? '-'}` : '';
    if (this.closed || current?.limits === limits) return;
    if (current) {
      this.workers.delete(id);
      this.retire(current.worker, id);
    }
    if (!endpoint) return;
    const { queues, logger, retry, workerOptions } = this.options;
    queues
      .setConcurrency(id, endpoint.maxConcurrency)
      .catch((error) => logger.error({ err: error, endpointId: id }, 'could not set the endpoint concurrency'));
    const worker = this.createWorker(webhookQueueName(id), {
      ...workerOptions,
      concurrency: endpoint.maxConcurrency,
      ...(endpoint.rateLimitPerSecond ? { limiter: { max: endpoint.rateLimitPerSecond, duration: 1_000 } } : {}),
      settings: { backoffStrategy: retry.backoffStrategy },
    });
    worker.on('error', (error) => logger.error({ err: error, endpointId: id }, 'worker error'));
    this.workers.set(id, { worker, limits });
  }

  /** Resolves once every endpoint's worker is connected. */
  async waitUntilReady(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.worker.waitUntilReady()));
  }

  /** Closes every worker (their jobs in flight finish first); later changes start none. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [id, { worker }] of this.workers) this.retire(worker, id);
    this.workers.clear();
    await Promise.allSettled(this.closing);
  }

  private retire(worker: EndpointWorker, endpointId: string): void {
    const closing: Promise<void> = worker
      .close()
      .catch((error) => this.options.logger.error({ err: error, endpointId }, 'could not close an endpoint worker'))
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}
