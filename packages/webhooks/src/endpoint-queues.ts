import { type Queue, webhookQueueName } from '@syndicate/redis-runtime';
import type { DeliveryTracker } from './delivery-tracker.js';
import { type WebhookJob, webhookJobOptions } from './jobs.js';
import type { HandOver } from './settle.js';

/** What the delivery steps do with an endpoint's queue (a BullMQ Queue). */
export type EndpointQueue = Pick<Queue<WebhookJob>, 'name' | 'add' | 'remove' | 'setGlobalConcurrency'>;

export interface EndpointQueuesOptions {
  /** The process's queues (redis-runtime's Queues: each made once, closed together by the process); a fake in tests. */
  queues: { get(name: string): EndpointQueue };
  /** Where hand-overs are noted per article version, for a newer version to cancel. */
  tracker: Pick<DeliveryTracker, 'track'>;
}

/** Each endpoint's own queue (see webhookQueueName in redis-runtime's catalogue), and what the steps do with it. */
export class EndpointQueues {
  constructor(private readonly options: EndpointQueuesOptions) {}

  queue(endpointId: string): EndpointQueue {
    return this.options.queues.get(webhookQueueName(endpointId));
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
}
