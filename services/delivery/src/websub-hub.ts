import { feedSite, type Keyring } from '@syndicate/config';
import type { FeedStore } from '@syndicate/feed-store';
import { FeedDocuments } from '@syndicate/feeds';
import type { Logger, Registry } from '@syndicate/observability';
import { openWorker, type Queue, type Queues, type Redis, WEBSUB_PUSH_QUEUE, WEBSUB_QUEUE, type Worker } from '@syndicate/redis-runtime';
import type { SubscriptionRegistry } from '@syndicate/subscriptions';
import { WebhookSender } from '@syndicate/webhooks';
import { hubLimits, RenderedDocuments, SubscriberStore, websubUrlPolicy } from '@syndicate/websub';
import type { DeliveryConfig } from './config.js';
import { WebSubWorker } from './websub-worker.js';

export interface WebSubHubOptions {
  config: DeliveryConfig;
  /** For the workers (which block on their connection) and the hub's subscriber store. */
  redis: Redis;
  /** The process's queues, where the push queue is made (and closed, by the process). */
  queues: Pick<Queues, 'get'>;
  registry: SubscriptionRegistry;
  /** The feeds whose documents are pushed. */
  feedStore: FeedStore;
  keyring: Keyring;
  logger: Logger;
  metrics: Registry;
}

/**
 * The WebSub hub's side of the delivery process: verifications and distributions on one queue, content
 * pushes on a queue, a concurrency and an HTTP agent of their own (callbacks answer to
 * SYNDICATE_WEBSUB_ALLOWLIST alone, since anyone may subscribe), all worked by WebSubWorker.
 */
export class WebSubHub {
  private readonly pushQueue: Queue;
  private readonly sender: WebhookSender;
  private readonly subscribers: SubscriberStore;
  private readonly processor: WebSubWorker;
  private workers: Worker[] = [];

  constructor(private readonly options: WebSubHubOptions) {
    const { config, redis, keyring } = options;
    const policy = websubUrlPolicy(config.SYNDICATE_WEBSUB_ALLOWLIST, config.WEBHOOK_REQUIRE_HTTPS);
    this.sender = new WebhookSender(policy, config.DELIVERY_TIMEOUT_MS);
    this.subscribers = new SubscriberStore(redis, config.REDIS_KEY_PREFIX, keyring);
    this.pushQueue = options.queues.get(WEBSUB_PUSH_QUEUE);
    this.processor = new WebSubWorker({
      pushQueue: this.pushQueue,
      subscribers: this.subscribers,
      documents: new FeedDocuments(
        options.feedStore,
        feedSite(config, () => config.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8080'),
      ),
      rendered: new RenderedDocuments(redis, config.REDIS_KEY_PREFIX),
      registry: options.registry,
      http: this.sender,
      policy,
      keyring,
      limits: hubLimits(config),
      logger: options.logger,
      metrics: options.metrics,
    });
  }

  /** Starts the workers; the registry must have read the subscriptions first (verifications check feeds). */
  async start(): Promise<void> {
    const { config } = this.options;
    this.workers = [
      this.worker(WEBSUB_QUEUE, config.WEBSUB_CONCURRENCY, 'websub worker error'),
      this.worker(WEBSUB_PUSH_QUEUE, config.WEBSUB_PUSH_CONCURRENCY, 'websub push worker error'),
    ];
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /**
   * A deleted feed's WebSub subscriptions end with it (also when a restart reads the deletion again: only
   * those made for this feed, not for one made anew under its slug; and those from before feeds were noted).
   */
  feedDeleted(slug: string, feedId: string): void {
    const { logger } = this.options;
    this.subscribers
      .removeWhere(slug, (s) => s.feedId === feedId || s.feedId === undefined)
      .then((removed) => {
        if (removed > 0) logger.info({ slug, feedId, removed }, 'websub subscriptions of a deleted feed ended');
      })
      .catch((error) => logger.error({ err: error, slug }, 'could not end the websub subscriptions of a deleted feed'));
  }

  /** The workers first (jobs in flight finish), then the HTTP agent; the push queue is the process's to close. Idempotent. */
  async stop(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.close()));
    await this.sender.close().catch(() => undefined); // a second stop finds the agent closed already, and says so
  }

  private worker(queueName: string, concurrency: number, errorMessage: string): Worker {
    const { redis, config, logger } = this.options;
    const worker = openWorker(
      queueName,
      (job) => this.processor.process(job),
      { connection: redis, keyPrefix: config.REDIS_KEY_PREFIX },
      { concurrency, stalledInterval: 5_000 },
    );
    worker.on('error', (error) => logger.error({ err: error }, errorMessage));
    return worker;
  }
}
