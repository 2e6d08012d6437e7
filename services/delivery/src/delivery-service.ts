import { brokerList, connectRedis, feedSite } from '@syndicate/config';
import type { WebhookSubscription } from '@syndicate/contracts';
import { topicNames } from '@syndicate/contracts';
import { FeedDocuments, FeedStore } from '@syndicate/feeds';
import { createKafka, ensureTopics, KeyedProducer } from '@syndicate/kafka-runtime';
import { Counter, createMetricsRegistry, Histogram, type Logger, type Registry } from '@syndicate/observability';
import { SubscriptionRegistry, SubscriptionWriter } from '@syndicate/subscriptions';
import {
  AddressRefusedError,
  AttemptLog,
  parseAllowlist,
  RETRY_SCHEDULE,
  retryDelayMs,
  signatureHeader,
  WebhookJob,
  WebhookSender,
  webhookQueueName,
} from '@syndicate/webhooks';
import { SubscriberStore, WEBSUB_QUEUE } from '@syndicate/websub';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

import type { DeliveryConfig } from './config.js';
import { WebSubWorker } from './websub-worker.js';

/** A non-2xx answer; the job is retried on the schedule, or after the endpoint's Retry-After if longer. */
export class DeliveryFailedError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Takes webhook jobs off BullMQ, signs them (Standard Webhooks v1) with the endpoint's current secret and
 * POSTs them. Failures are retried by BullMQ; jobs that exhaust their attempts stay in the failed set as dead
 * letters. A killed worker's in-flight jobs become stalled and are picked up again, so none is lost.
 */
export class DeliveryService {
  readonly metrics: Registry;
  readonly registry: SubscriptionRegistry;
  readonly attempts: AttemptLog;
  private readonly redis: Redis;
  /** For our own per-delivery commands (version check, attempt log); see the constructor. */
  private readonly pipelined: Redis;
  private readonly sender: WebhookSender;
  /** One worker per webhook endpoint, with the endpoint's concurrency and rate limit. */
  private readonly endpointWorkers = new Map<string, { worker: Worker<WebhookJob>; queue: Queue; limits: string }>();
  private stopping = false;
  private hubWorker?: Worker;
  private readonly hubQueue: Queue;
  /** BullMQ's key prefix, under the instance's own. */
  private readonly bullPrefix: string;
  private readonly hub: WebSubWorker;
  private readonly feedStore: FeedStore;
  private readonly kafka;
  private readonly topics: ReturnType<typeof topicNames>;
  private readonly producer: KeyedProducer;
  private readonly writer: SubscriptionWriter;
  private readonly deliveries: Counter;
  private readonly latency: Histogram;

  constructor(
    private readonly config: DeliveryConfig,
    private readonly logger: Logger,
  ) {
    this.kafka = createKafka({ brokers: brokerList(config.KAFKA_BROKERS), clientId: 'syndicate-delivery', logger });
    this.topics = topicNames(config.TOPIC_PREFIX);
    this.registry = new SubscriptionRegistry({ kafka: this.kafka, topic: this.topics.subscriptions, logger });
    this.producer = new KeyedProducer(this.kafka);
    this.writer = new SubscriptionWriter(this.producer, this.topics.subscriptions);
    this.redis = connectRedis(config.REDIS_URL);
    // Fifty deliveries in flight each check a version and log an attempt: auto-pipelining sends the
    // commands issued in the same tick as one write. BullMQ keeps its own connection (it blocks on it).
    this.pipelined = connectRedis(config.REDIS_URL, { enableAutoPipelining: true });
    this.attempts = new AttemptLog(this.pipelined, config.REDIS_KEY_PREFIX, config.ATTEMPT_LOG_LENGTH);
    this.sender = new WebhookSender({ allowlist: parseAllowlist(config.SYNDICATE_WEBHOOK_ALLOWLIST) }, config.DELIVERY_TIMEOUT_MS);
    this.bullPrefix = `${config.REDIS_KEY_PREFIX}bull`;
    this.hubQueue = new Queue(WEBSUB_QUEUE, { connection: this.redis, prefix: this.bullPrefix });
    this.feedStore = new FeedStore({ redis: this.pipelined, keyPrefix: config.REDIS_KEY_PREFIX });
    this.hub = new WebSubWorker({
      queue: this.hubQueue,
      subscribers: new SubscriberStore(this.redis, config.REDIS_KEY_PREFIX),
      documents: new FeedDocuments(
        this.feedStore,
        feedSite(config, () => config.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8080'),
      ),
      registry: this.registry,
      http: this.sender,
      logger,
    });
    this.metrics = createMetricsRegistry('delivery');
    this.deliveries = new Counter({
      name: 'syndicate_webhook_attempts_total',
      help: 'Webhook delivery attempts, by outcome',
      labelNames: ['outcome'],
      registers: [this.metrics],
    });
    this.latency = new Histogram({
      name: 'syndicate_webhook_attempt_seconds',
      help: 'Time from request to response of one attempt',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [this.metrics],
    });
  }

  private async process(job: Job<WebhookJob>): Promise<{ status: number; superseded?: number }> {
    const parsed = WebhookJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed job: ${z.prettifyError(parsed.error)}`);
    const delivery = parsed.data;
    // Never an older version after a newer one: a job the fanout could not take off the queue in time
    // (it was being sent, or retrying) is dropped once a newer version or a withdrawal is stored.
    const storedVersion = await this.feedStore.version(delivery.articleId);
    if (storedVersion !== null && storedVersion > delivery.version) return { status: 0, superseded: storedVersion };
    const endpoint = this.registry.get(delivery.subscriptionId);
    if (endpoint?.type !== 'webhook') throw new UnrecoverableError(`endpoint ${delivery.subscriptionId} no longer exists`);
    if (endpoint.disabled) throw new UnrecoverableError(`endpoint disabled: ${endpoint.disabled.reason}`);
    if (this.config.WEBHOOK_REQUIRE_HTTPS && !endpoint.url.startsWith('https:'))
      throw new UnrecoverableError('https is required for webhooks');

    const timestamp = Math.floor(Date.now() / 1_000);
    const secrets = [endpoint.secret, ...endpoint.previousSecrets.filter((p) => Date.parse(p.expiresAt) > Date.now()).map((p) => p.secret)];
    const headers = {
      'webhook-id': delivery.messageId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, delivery.messageId, timestamp, delivery.body),
    };
    const attempt = job.attemptsMade + 1;
    // Only failures are logged, so the child logger is made only then.
    const log = () => this.logger.child({ jobId: job.id, articleId: delivery.articleId, endpointId: endpoint.id, attempt });
    try {
      const outcome = await this.sender.send(endpoint.url, delivery.body, headers);
      this.latency.observe(outcome.latencyMs / 1_000);
      await this.attempts.record(
        endpoint.id,
        {
          at: new Date().toISOString(),
          messageId: delivery.messageId,
          attempt,
          status: outcome.status,
          latencyMs: outcome.latencyMs,
          ok: outcome.ok,
          response: outcome.responseSnippet,
        },
        // A success ends a failing streak, in the same round trip.
        outcome.ok ? [this.failingKey(endpoint.id)] : [],
      );
      this.deliveries.inc({ outcome: outcome.ok ? 'delivered' : 'failed' });
      if (outcome.ok) return { status: outcome.status };
      log().warn({ status: outcome.status }, 'webhook attempt failed');
      if (outcome.status === 410) {
        await this.disable(endpoint, '410 Gone: the endpoint asked for no more deliveries');
        throw new UnrecoverableError('410 Gone: the endpoint asked for no more deliveries');
      }
      await this.noteFailure(endpoint);
      throw new DeliveryFailedError(`HTTP ${outcome.status}`, outcome.retryAfterMs);
    } catch (error) {
      if (error instanceof UnrecoverableError || error instanceof DeliveryFailedError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      await this.attempts.record(endpoint.id, {
        at: new Date().toISOString(),
        messageId: delivery.messageId,
        attempt,
        status: null,
        latencyMs: 0,
        ok: false,
        error: message,
      });
      this.deliveries.inc({ outcome: 'error' });
      log().warn({ error: message }, 'webhook attempt errored');
      await this.noteFailure(endpoint);
      if (error instanceof AddressRefusedError) throw new UnrecoverableError(message);
      throw error;
    }
  }

  private failingKey = (endpointId: string) => `${this.config.REDIS_KEY_PREFIX}webhooks:failing-since:${endpointId}`;

  /** Remembers when an endpoint started failing; one failing for longer than the window is disabled. */
  private async noteFailure(endpoint: WebhookSubscription): Promise<void> {
    const key = this.failingKey(endpoint.id);
    await this.redis.set(key, String(Date.now()), 'NX');
    const since = Number(await this.redis.get(key));
    if (Date.now() - since >= this.config.WEBHOOK_DISABLE_AFTER_MS) {
      await this.disable(endpoint, `failing since ${new Date(since).toISOString()}`);
    }
  }

  /** Disables an endpoint for every instance (through the subscriptions topic) and tells operators. */
  private async disable(endpoint: WebhookSubscription, reason: string): Promise<void> {
    if (endpoint.disabled) return;
    const at = new Date().toISOString();
    await this.writer.put({ ...endpoint, disabled: { at, reason } });
    await this.producer.send(this.topics.operations, [
      {
        key: endpoint.id,
        value: JSON.stringify({ type: 'webhook.endpoint.disabled', endpointId: endpoint.id, url: endpoint.url, reason, at }),
        headers: {},
      },
    ]);
    await this.redis.del(this.failingKey(endpoint.id));
    this.logger.warn({ endpointId: endpoint.id, reason }, 'webhook endpoint disabled');
  }

  /** Starts, replaces (new limits) or stops the worker of one endpoint to match its subscription. */
  private syncEndpoint(endpoint: WebhookSubscription | undefined, id: string): void {
    const current = this.endpointWorkers.get(id);
    const limits = endpoint ? `${endpoint.maxConcurrency}/${endpoint.rateLimitPerSecond ?? '-'}` : '';
    if (this.stopping || current?.limits === limits) return;
    if (current) {
      this.endpointWorkers.delete(id);
      void current.worker.close();
      void current.queue.close();
    }
    if (!endpoint) return;
    // A worker's concurrency holds in its own process only; the queue's global concurrency holds across
    // every delivery process, so running more of them never lets more requests at an endpoint at once.
    const queue = new Queue(webhookQueueName(id), { connection: this.redis, prefix: this.bullPrefix });
    queue
      .setGlobalConcurrency(endpoint.maxConcurrency)
      .catch((error) => this.logger.error({ err: error, endpointId: id }, 'could not set the endpoint concurrency'));
    const worker = new Worker<WebhookJob>(webhookQueueName(id), (job) => this.process(job), {
      connection: this.redis,
      prefix: this.bullPrefix,
      concurrency: endpoint.maxConcurrency,
      ...(endpoint.rateLimitPerSecond ? { limiter: { max: endpoint.rateLimitPerSecond, duration: 1_000 } } : {}),
      // A job whose worker died (its lock not renewed) is handed to another within about lockDuration.
      lockDuration: Math.max(10_000, this.config.DELIVERY_TIMEOUT_MS + 5_000),
      stalledInterval: 5_000,
      maxStalledCount: 5,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string, error?: Error) =>
          type === RETRY_SCHEDULE
            ? retryDelayMs(
                attemptsMade,
                this.config.WEBHOOK_RETRY_SCHEDULE_MS,
                this.config.WEBHOOK_RETRY_JITTER,
                (error as DeliveryFailedError | undefined)?.retryAfterMs,
              )
            : 5_000,
      },
    });
    worker.on('error', (error) => this.logger.error({ err: error, endpointId: id }, 'worker error'));
    this.endpointWorkers.set(id, { worker, queue, limits });
  }

  async start(): Promise<void> {
    this.registry.on('change', (change) => {
      if ('deleted' in change) this.syncEndpoint(undefined, change.id);
      else if (change.type === 'webhook') this.syncEndpoint(change, change.id);
    });
    await ensureTopics(this.kafka, [{ topic: this.topics.operations }]);
    await this.producer.start();
    await this.registry.start();
    this.hubWorker = new Worker(WEBSUB_QUEUE, (job) => this.hub.process(job), {
      connection: this.redis,
      prefix: this.bullPrefix,
      concurrency: this.config.DELIVERY_CONCURRENCY,
      stalledInterval: 5_000,
    });
    this.hubWorker.on('error', (error) => this.logger.error({ err: error }, 'websub worker error'));
    await Promise.all([...[...this.endpointWorkers.values()].map((e) => e.worker.waitUntilReady()), this.hubWorker.waitUntilReady()]);
  }

  /** Workers first (in-flight deliveries finish), then the registry, HTTP agent and Redis. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...[...this.endpointWorkers.values()].map((e) => e.worker.close()), this.hubWorker?.close()]);
    await Promise.allSettled([...this.endpointWorkers.values()].map((e) => e.queue.close()));
    this.endpointWorkers.clear();
    this.hubWorker = undefined;
    await Promise.allSettled([this.registry.stop(), this.hubQueue.close(), this.sender.close(), this.producer.stop()]);
    this.redis.disconnect();
    this.pipelined.disconnect();
  }
}
