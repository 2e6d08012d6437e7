import { type Processor, Queue, QueueEvents, type QueueEventsOptions, type QueueOptions, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';

// The queue catalogue: every BullMQ queue the services share, named once.

/** Article events' webhook batches: one job per article event for all its endpoints (first attempts). */
export const WEBHOOK_BATCH_QUEUE = 'webhook-batches';
/** The WebSub hub's intent verifications and distributions (one job per changed feed). */
export const WEBSUB_QUEUE = 'websub';
/** The WebSub hub's content pushes, one per subscriber: apart, so a slow subscriber holds no verification. */
export const WEBSUB_PUSH_QUEUE = 'websub-push';
/** Backfills of one subscription from `article-enriched`. */
export const BACKFILL_QUEUE = 'backfills';
/** Embargoed versions, each a delayed job that fires at its release time. */
export const EMBARGO_QUEUE = 'embargo-releases';
/** One webhook endpoint's own queue: its retries, hand-overs and dead letters, worked at its own pace. */
export const webhookQueueName = (endpointId: string) => `webhooks.${endpointId}`;

/**
 * Where BullMQ keeps its keys, under the deployment's `REDIS_KEY_PREFIX` like every other key. Not hash-tagged for
 * Redis Cluster: a tag here would move every queued job to new keys, so it waits for a migration that drains the
 * queues first.
 */
export const bullPrefix = (keyPrefix: string) => `${keyPrefix}bull`;

/**
 * Options for every BullMQ Worker: after losing Redis a worker waits `runRetryDelay` before trying again
 * (BullMQ's default 15 s); one second keeps the service within a few seconds of Redis coming back.
 */
export const WORKER_RECOVERY = { runRetryDelay: 1_000 } as const;

/** The Redis connection a queue, worker or event stream uses, and the deployment's key prefix. */
export interface QueueConnection {
  connection: Redis;
  keyPrefix: string;
}

/** A queue of the catalogue (or a test's own), under the deployment's prefix. */
export function openQueue<Data = unknown>(
  name: string,
  { connection, keyPrefix }: QueueConnection,
  options: Omit<QueueOptions, 'connection' | 'prefix'> = {},
): Queue<Data> {
  return new Queue<Data>(name, { ...options, connection, prefix: bullPrefix(keyPrefix) });
}

/**
 * A worker of a queue, with WORKER_RECOVERY. Its connection must keep `maxRetriesPerRequest: null` (connectRedis'
 * default, never failFastRedis): a worker blocks on Redis and must wait out a reconnect.
 */
export function openWorker<Data = unknown, Result = unknown>(
  name: string,
  processor: Processor<Data, Result>,
  { connection, keyPrefix }: QueueConnection,
  options: Omit<WorkerOptions, 'connection' | 'prefix'> = {},
): Worker<Data, Result> {
  return new Worker<Data, Result>(name, processor, { ...WORKER_RECOVERY, ...options, connection, prefix: bullPrefix(keyPrefix) });
}

/** A queue's events (completed, failed, progress…), on a connection of its own: it blocks reading a stream. */
export function openQueueEvents(
  name: string,
  { connection, keyPrefix }: QueueConnection,
  options: Omit<QueueEventsOptions, 'connection' | 'prefix'> = {},
): QueueEvents {
  return new QueueEvents(name, { ...options, connection, prefix: bullPrefix(keyPrefix) });
}

/**
 * The queues a process adds to, each made once on first use and closed together: per-endpoint queues are many
 * and made as endpoints come up, and every part that adds to one shares the same Queue.
 */
export class Queues {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly options: QueueConnection) {}

  get<Data = unknown>(name: string): Queue<Data> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = openQueue(name, this.options);
      this.queues.set(name, queue);
    }
    return queue as Queue<Data>;
  }

  /** Whether `get` would hand out a queue already made (making one waits for Redis). */
  has(name: string): boolean {
    return this.queues.has(name);
  }

  /** Closes every queue made; idempotent. */
  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.allSettled(queues.map((queue) => queue.close()));
  }
}
