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
  DeliveryTracker,
  parseAllowlist,
  RETRY_SCHEDULE,
  retryDelayMs,
  signatureHeader,
  WEBHOOK_BATCH_QUEUE,
  WebhookBatchJob,
  WebhookJob,
  WebhookSender,
  webhookJobOptions,
  webhookQueueName,
} from '@syndicate/webhooks';
import { SubscriberStore, WEBSUB_QUEUE } from '@syndicate/websub';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

import type { DeliveryConfig } from './config.js';
import { EndpointSlots } from './endpoint-slots.js';
import { WebSubWorker } from './websub-worker.js';

/** What one attempt came to. */
type AttemptResult =
  | { kind: 'delivered'; status: number }
  /** Retried on the schedule, or after the endpoint's Retry-After if longer. */
  | { kind: 'failed'; reason: string; retryAfterMs?: number }
  /** Not retried (410 Gone, a refused address): kept as a dead letter. */
  | { kind: 'dead'; reason: string };

/** A batch's first attempt to one endpoint. */
interface FirstAttempt {
  endpoint: WebhookSubscription;
  delivery: WebhookJob;
  done?: Promise<void>;
  settled: boolean;
  delivered: boolean;
  /** The delayed job left on the endpoint's queue when the batch stopped waiting for this attempt. */
  guard?: Promise<void>;
}

/** A failed attempt from an endpoint's queue; the job is retried on the schedule, or after Retry-After if longer. */
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
 * POSTs them: first attempts from each article's batch, the rest from each endpoint's own queue (see
 * WEBHOOK_BATCH_QUEUE). Failures are retried by BullMQ; jobs that exhaust their attempts stay in the failed
 * set as dead letters. A killed worker's in-flight jobs, batches included, become stalled and are picked up
 * again, so none is lost (a batch picked up again repeats its deliveries, with the same webhook-ids).
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
  private batchWorker?: Worker<WebhookBatchJob>;
  /** First attempts a batch stopped waiting for; stop() lets them finish. */
  private readonly background = new Set<Promise<void> | undefined>();
  /** Concurrency limits across processes and both delivery paths. */
  private readonly slots: EndpointSlots;
  private readonly tracker: DeliveryTracker;
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
    this.slots = new EndpointSlots(
      this.pipelined,
      config.REDIS_KEY_PREFIX,
      (endpointId) => `${this.bullPrefix}:${webhookQueueName(endpointId)}:meta`,
      this.lockDuration,
    );
    this.tracker = new DeliveryTracker(
      this.redis,
      (queueName) => new Queue(queueName, { connection: this.redis, prefix: this.bullPrefix }),
      config.REDIS_KEY_PREFIX,
    );
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

  /** A delivery from an endpoint's own queue: a retry, a hand-over from a batch, or a replayed dead letter. */
  private async process(job: Job<WebhookJob>, token?: string): Promise<{ status: number; superseded?: number }> {
    const parsed = WebhookJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed job: ${z.prettifyError(parsed.error)}`);
    const delivery = parsed.data;
    if (delivery.deadLetter) {
      // Failed for good in its batch: kept as a dead letter, and a replay of it is a fresh try.
      await job.updateData({ ...delivery, deadLetter: undefined });
      throw new UnrecoverableError(delivery.deadLetter);
    }
    // Never an older version after a newer one: a job the fanout could not take off the queue in time
    // (it was being sent, or retrying) is dropped once a newer version or a withdrawal is stored.
    const storedVersion = await this.feedStore.version(delivery.articleId);
    if (storedVersion !== null && storedVersion > delivery.version) return { status: 0, superseded: storedVersion };
    const endpoint = this.registry.get(delivery.subscriptionId);
    if (endpoint?.type !== 'webhook') throw new UnrecoverableError(`endpoint ${delivery.subscriptionId} no longer exists`);
    if (endpoint.disabled) throw new UnrecoverableError(`endpoint disabled: ${endpoint.disabled.reason}`);
    if (this.httpsRefused(endpoint)) throw new UnrecoverableError('https is required for webhooks');

    const slot = await this.slots.takeOne(endpoint);
    if (!slot) {
      // Every slot is taken (by batches or other processes): back shortly, without using up an attempt.
      await job.moveToDelayed(Date.now() + 50 + Math.floor(Math.random() * 100), token);
      throw new DelayedError();
    }
    try {
      const result = await this.attempt(endpoint, delivery, (delivery.attemptsBefore ?? 0) + job.attemptsMade + 1);
      switch (result.kind) {
        case 'delivered':
          return { status: result.status };
        case 'failed':
          throw new DeliveryFailedError(result.reason, result.retryAfterMs);
        case 'dead':
          throw new UnrecoverableError(result.reason);
      }
    } finally {
      await this.slots.release(endpoint.id, slot);
    }
  }

  /**
   * An article event's batch: every endpoint's first attempt, made at once. An endpoint that cannot take it
   * now (no free slot, paused, rate-limited, marked slow, disabled) gets a job on its own queue, and so does
   * one whose attempt fails, to be retried on the schedule. The batch waits for its attempts only so long
   * (WEBHOOK_BATCH_PATIENCE_MS): one not answered by then goes on in the background, guarded by a delayed
   * job on its endpoint's queue in case this process dies, and its endpoint is served from its own queue
   * for a while; so a hanging endpoint holds a batch up once, briefly, and never the healthy endpoints.
   */
  private async processBatch(job: Job<WebhookBatchJob>): Promise<{ delivered: number; handedOver: number; superseded?: number }> {
    const parsed = WebhookBatchJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed batch: ${z.prettifyError(parsed.error)}`);
    const batch = parsed.data;
    const storedVersion = await this.feedStore.version(batch.articleId);
    if (storedVersion !== null && storedVersion > batch.version) return { delivered: 0, handedOver: 0, superseded: storedVersion };

    const handOvers: Array<Promise<unknown>> = [];
    const candidates: Array<{ endpoint: WebhookSubscription; delivery: WebhookJob }> = [];
    for (const { subscriptionId, messageId } of batch.endpoints) {
      const endpoint = this.registry.get(subscriptionId);
      if (endpoint?.type !== 'webhook') continue; // deleted since the fanout
      const delivery: WebhookJob = {
        subscriptionId,
        messageId,
        type: batch.type,
        articleId: batch.articleId,
        version: batch.version,
        body: batch.body,
      };
      if (endpoint.disabled || endpoint.rateLimitPerSecond || this.httpsRefused(endpoint))
        handOvers.push(this.handOver(delivery, { attempts: batch.attempts }));
      else candidates.push({ endpoint, delivery });
    }
    const { token, granted } = await this.slots.takeForBatch(candidates.map((c) => c.endpoint));
    const firstAttempts: FirstAttempt[] = [];
    for (const [i, { endpoint, delivery }] of candidates.entries()) {
      if (!granted[i]) {
        handOvers.push(this.handOver(delivery, { attempts: batch.attempts }));
        continue;
      }
      const first: FirstAttempt = { endpoint, delivery, settled: false, delivered: false };
      first.done = this.firstAttempt(first, token, batch.attempts).finally(() => {
        first.settled = true;
      });
      firstAttempts.push(first);
    }
    let patience: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(firstAttempts.map((f) => f.done)),
      new Promise((resolve) => {
        patience = setTimeout(resolve, this.config.WEBHOOK_BATCH_PATIENCE_MS);
      }),
    ]);
    clearTimeout(patience);
    for (const laggard of firstAttempts.filter((f) => !f.settled)) {
      // Fires only if this process dies before the attempt ends: after the longest an attempt can take.
      laggard.guard = this.handOver(laggard.delivery, { attempts: batch.attempts, delay: this.lockDuration });
      handOvers.push(laggard.guard, this.slots.markSlow(laggard.endpoint.id, this.config.WEBHOOK_SLOW_MARK_MS));
      this.background.add(laggard.done);
      void laggard.done?.finally(() => this.background.delete(laggard.done));
    }
    await Promise.all([...handOvers, ...firstAttempts.filter((f) => f.settled).map((f) => f.done)]);
    return { delivered: firstAttempts.filter((f) => f.delivered).length, handedOver: handOvers.length };
  }

  /** A first attempt from a batch, and what follows it: a retry on the endpoint's queue, or a dead letter. */
  private async firstAttempt(first: FirstAttempt, slot: string, attempts: number): Promise<void> {
    let result: AttemptResult;
    try {
      result = await this.attempt(first.endpoint, first.delivery, 1);
    } finally {
      await this.slots.release(first.endpoint.id, slot);
    }
    if (first.guard) {
      // The batch has moved on and left a guard job; this attempt's outcome replaces it.
      await first.guard;
      await this.endpointWorkers.get(first.endpoint.id)?.queue.remove(first.delivery.messageId);
    }
    switch (result.kind) {
      case 'delivered':
        first.delivered = true;
        return;
      case 'failed':
        await (attempts > 1
          ? this.handOver(
              { ...first.delivery, attemptsBefore: 1 },
              { attempts: attempts - 1, delay: this.retryDelay(1, result.retryAfterMs) },
            )
          : this.handOver({ ...first.delivery, deadLetter: `${result.reason} (no attempts left)` }, { attempts: 1 }));
        return;
      case 'dead':
        await this.handOver({ ...first.delivery, deadLetter: result.reason }, { attempts: 1 });
        return;
    }
  }

  /**
   * Puts a delivery on its endpoint's own queue, where a newer version can cancel it. Its job id is its
   * webhook-id, so handing the same delivery over twice adds it once.
   */
  private async handOver(delivery: WebhookJob, options: { attempts: number; delay?: number }): Promise<void> {
    const queue = this.endpointWorkers.get(delivery.subscriptionId)?.queue;
    if (!queue) return; // the endpoint was deleted a moment ago
    await queue.add(delivery.type, delivery, { ...webhookJobOptions(options.attempts), jobId: delivery.messageId, delay: options.delay });
    await this.tracker.track(delivery.articleId, delivery.version, [{ queueName: queue.name, jobId: delivery.messageId }]);
  }

  private httpsRefused = (endpoint: WebhookSubscription) => this.config.WEBHOOK_REQUIRE_HTTPS && !endpoint.url.startsWith('https:');

  private retryDelay = (attemptsMade: number, retryAfterMs?: number) =>
    retryDelayMs(attemptsMade, this.config.WEBHOOK_RETRY_SCHEDULE_MS, this.config.WEBHOOK_RETRY_JITTER, retryAfterMs);

  /**
   * One signed request to an endpoint (Standard Webhooks v1, with every secret still valid), recorded in its
   * attempt log.
   */
  private async attempt(endpoint: WebhookSubscription, delivery: WebhookJob, attempt: number): Promise<AttemptResult> {
    const timestamp = Math.floor(Date.now() / 1_000);
    const secrets = [endpoint.secret, ...endpoint.previousSecrets.filter((p) => Date.parse(p.expiresAt) > Date.now()).map((p) => p.secret)];
    const headers = {
      'webhook-id': delivery.messageId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, delivery.messageId, timestamp, delivery.body),
    };
    // Only failures are logged, so the child logger is made only then.
    const log = () => this.logger.child({ messageId: delivery.messageId, articleId: delivery.articleId, endpointId: endpoint.id, attempt });
    const entry = { messageId: delivery.messageId, attempt };
    try {
      const outcome = await this.sender.send(endpoint.url, delivery.body, headers);
      this.latency.observe(outcome.latencyMs / 1_000);
      await this.attempts.record(
        endpoint.id,
        {
          at: new Date().toISOString(),
          ...entry,
          status: outcome.status,
          latencyMs: outcome.latencyMs,
          ok: outcome.ok,
          response: outcome.responseSnippet,
        },
        // A success ends a failing streak, in the same round trip.
        outcome.ok ? [this.failingKey(endpoint.id)] : [],
      );
      this.deliveries.inc({ outcome: outcome.ok ? 'delivered' : 'failed' });
      if (outcome.ok) return { kind: 'delivered', status: outcome.status };
      log().warn({ status: outcome.status }, 'webhook attempt failed');
      if (outcome.status === 410) {
        const reason = '410 Gone: the endpoint asked for no more deliveries';
        await this.disable(endpoint, reason);
        return { kind: 'dead', reason };
      }
      await this.noteFailure(endpoint);
      return { kind: 'failed', reason: `HTTP ${outcome.status}`, retryAfterMs: outcome.retryAfterMs };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.attempts.record(endpoint.id, {
        at: new Date().toISOString(),
        ...entry,
        status: null,
        latencyMs: 0,
        ok: false,
        error: message,
      });
      this.deliveries.inc({ outcome: 'error' });
      log().warn({ error: message }, 'webhook attempt errored');
      await this.noteFailure(endpoint);
      if (error instanceof AddressRefusedError) return { kind: 'dead', reason: message };
      return { kind: 'failed', reason: message };
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
    const worker = new Worker<WebhookJob>(webhookQueueName(id), (job, token) => this.process(job, token), {
      connection: this.redis,
      prefix: this.bullPrefix,
      concurrency: endpoint.maxConcurrency,
      ...(endpoint.rateLimitPerSecond ? { limiter: { max: endpoint.rateLimitPerSecond, duration: 1_000 } } : {}),
      ...this.stallRecovery,
      settings: {
        // Counted from the delivery's first attempt, which a batch may have made.
        backoffStrategy: (attemptsMade: number, type?: string, error?: Error, job?: { data: WebhookJob }) =>
          type === RETRY_SCHEDULE
            ? this.retryDelay(attemptsMade + (job?.data.attemptsBefore ?? 0), (error as DeliveryFailedError | undefined)?.retryAfterMs)
            : 5_000,
      },
    });
    worker.on('error', (error) => this.logger.error({ err: error, endpointId: id }, 'worker error'));
    this.endpointWorkers.set(id, { worker, queue, limits });
  }

  /** The longest a request holds its job (and its endpoint slot). */
  private get lockDuration() {
    return Math.max(10_000, this.config.DELIVERY_TIMEOUT_MS + 5_000);
  }

  /** A job whose worker died (its lock not renewed) is handed to another within about lockDuration. */
  private get stallRecovery() {
    return { lockDuration: this.lockDuration, stalledInterval: 5_000, maxStalledCount: 5 };
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
    this.batchWorker = new Worker<WebhookBatchJob>(WEBHOOK_BATCH_QUEUE, (job) => this.processBatch(job), {
      connection: this.redis,
      prefix: this.bullPrefix,
      concurrency: this.config.WEBHOOK_BATCH_CONCURRENCY,
      ...this.stallRecovery,
    });
    this.batchWorker.on('error', (error) => this.logger.error({ err: error }, 'batch worker error'));
    await Promise.all([
      ...[...this.endpointWorkers.values()].map((e) => e.worker.waitUntilReady()),
      this.hubWorker.waitUntilReady(),
      this.batchWorker.waitUntilReady(),
    ]);
  }

  /** Workers first (in-flight deliveries finish), then the registry, HTTP agent and Redis. */
  async stop(): Promise<void> {
    this.stopping = true;
    // Batches first: their hand-overs go to the endpoints' queues.
    await this.batchWorker?.close();
    await Promise.allSettled(this.background);
    await Promise.all([...[...this.endpointWorkers.values()].map((e) => e.worker.close()), this.hubWorker?.close()]);
    await Promise.allSettled([...this.endpointWorkers.values()].map((e) => e.queue.close()));
    this.endpointWorkers.clear();
    this.hubWorker = undefined;
    this.batchWorker = undefined;
    await Promise.allSettled([this.registry.stop(), this.hubQueue.close(), this.sender.close(), this.producer.stop()]);
    this.redis.disconnect();
    this.pipelined.disconnect();
  }
}
