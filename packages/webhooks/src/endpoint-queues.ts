import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryTracker } from './delivery-tracker.js';
import { type WebhookJob, webhookJobOptions, webhookQueueName } from './jobs.js';
import type { HandOver } from './settle.js';

/** What the delivery steps do with an endpoint's queue (a BullMQ Queue). */
export type EndpointQueue = Pick<Queue<WebhookJob>, 'name' | 'add' | 'remove' | 'setGlobalConcurrency' | 'close'>;

export interface EndpointQueuesOptions {
  connection: Redis;
  /** BullMQ's key prefix. */
  prefix: string;
  /** Where hand-overs are noted per article version, for a newer version to cancel. */
  tracker: Pick<DeliveryTracker, 'track'>;
  /** Makes an endpoint's queue: BullMQ's by default, a fake in tests. */
  createQueue?: (name: string) => EndpointQueue;
}

/** Each endpoint's own queue (see webhookQueueName), made on first use. */
export class EndpointQueues {
  private readonly queues = new Map<string, EndpointQueue>();
  private readonly createQueue: (name: string) => EndpointQueue;

  constructor(private readonly options: EndpointQueuesOptions) {
    this.createQueue =
      options.createQueue ?? ((name) => new Queue<WebhookJob>(name, { connection: options.connection, prefix: options.prefix }));
  }

  queue(endpointId: string): EndpointQueue {
    let queue = this.queues.get(endpointId);
    if (!queue) {
      queue = this.createQueue(webhookQueueName(endpointId));
      this.queues.set(endpointId, queue);
    }
    return queue;
  }

  /**
   * The hand-over step: puts a delivery on its endpoint's own queue, where a newer version can cancel it.
   * Its job id is its webhook-id, so handing the same delivery over twice adds it once.
   */
  async handOver({ delivery, attempts, delayMs }: HandOver): Promise<void> {
    const queue = this.queue(delivery.subscriptionId);
    await queue.add(delivery.type, delivery, { ...webhookJobOptions(attempts), jobId: delivery.messageId, delay: delayMs });
    await this.options.tracker.track(delivery.articleId, delivery.version, [{ queueName: queue.name, jobId: delivery.messageId }]);
  }

  /** Takes a delivery's job back off its endpoint's queue (a guard job whose attempt has ended). */
  async takeBack(endpointId: string, messageId: string): Promise<void> {
    await this.queue(endpointId).remove(messageId);
  }

  /**
   * A worker's concurrency holds in its own process only; the queue's global concurrency holds across every
   * delivery process, and saves its jobs waiting for slots (see EndpointSlots) in vain.
   */
  async setConcurrency(endpointId: string, maxConcurrency: number): Promise<void> {
    await this.queue(endpointId).setGlobalConcurrency(maxConcurrency);
  }

  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.allSettled(queues.map((q) => q.close()));
  }
}
