import {
  brokerList,
  checkRedisDurability,
  connectRedis,
  feedSite,
  Keyring,
  redisCheck,
  redisReady,
  WORKER_RECOVERY,
} from '@syndicate/config';
import type { WebhookSubscription } from '@syndicate/contracts';
import { topicNames } from '@syndicate/contracts';
import { FeedDocuments, FeedStore } from '@syndicate/feeds';
import { createKafka, ensureTopics, KAFKA_FAIL_FAST_RETRY, KafkaProbe, KeyedProducer } from '@syndicate/kafka-runtime';
import { createMetricsRegistry, type Logger, Readiness, type Registry } from '@syndicate/observability';
import { SubscriptionRegistry, SubscriptionWriter } from '@syndicate/subscriptions';
import {
  AttemptLog,
  DeliveryTracker,
  EndpointSlots,
  parseAllowlist,
  RETRY_SCHEDULE,
  retryDelayMs,
  WEBHOOK_BATCH_QUEUE,
  WebhookBatchJob,
  WebhookJob,
  WebhookSender,
  webhookJobOptions,
  webhookQueueName,
} from '@syndicate/webhooks';
import { hubLimits, RenderedDocuments, SubscriberStore, WEBSUB_PUSH_QUEUE, WEBSUB_QUEUE, websubUrlPolicy } from '@syndicate/websub';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

import type { DeliveryConfig } from './config.js';
import { type AttemptOutcome, type AttemptResult, EndpointCaller } from './endpoint-caller.js';
import { WebSubWorker } from './websub-worker.js';

/** A batch's first attempt at one endpoint. */
interface FirstAttempt {
  endpoint: WebhookSubscription;
  delivery: WebhookJob;
  done: Promise<void>;
  /** Set once answered. */
  outcome?: AttemptOutcome;
  /** Set when the batch stopped waiting: the guard job left on the endpoint's queue, being added. */
  lagging?: Promise<void>;
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
  /** Kafka and Redis, checked in the background, for /readyz. */
  readonly readiness: Readiness;
  private readonly probe: KafkaProbe;
  readonly registry: SubscriptionRegistry;
  readonly attempts: AttemptLog;
  private readonly redis: Redis;
  /** For our own per-delivery commands (version check, attempt log); see the constructor. */
  private readonly pipelined: Redis;
  private readonly sender: WebhookSender;
  /** One worker per webhook endpoint, with the endpoint's concurrency and rate limit. */
  private readonly endpointWorkers = new Map<string, { worker: Worker<WebhookJob>; limits: string }>();
  /** Each endpoint's own queue (see endpointQueue). */
  private readonly endpointQueues = new Map<string, Queue<WebhookJob>>();
  private stopping = false;
  private batchWorker?: Worker<WebhookBatchJob>;
  /** First attempts from batches now running in this process (see WEBHOOK_BATCH_MAX_IN_FLIGHT). */
  private firstAttemptsInFlight = 0;
  /** First attempts a batch stopped waiting for; stop() lets them finish. */
  private readonly background = new Set<Promise<unknown>>();
  /** Concurrency limits across processes and both delivery paths. */
  private readonly slots: EndpointSlots;
  private readonly tracker: DeliveryTracker;
  /** The hub's verifications and distributions; its pushes have a worker, queue and HTTP agent of their own. */
  private hubWorker?: Worker;
  private hubPushWorker?: Worker;
  private readonly hubPushQueue: Queue;
  private readonly hubSender: WebhookSender;
  private readonly hubSubscribers: SubscriberStore;
  /** BullMQ's key prefix, under the instance's own. */
  private readonly bullPrefix: string;
  private readonly hub: WebSubWorker;
  private readonly feedStore: FeedStore;
  private readonly kafka;
  private readonly topics: ReturnType<typeof topicNames>;
  private readonly producer: KeyedProducer;
  private readonly caller: EndpointCaller;

  constructor(
    private readonly config: DeliveryConfig,
    private readonly logger: Logger,
  ) {
    this.kafka = createKafka({ brokers: brokerList(config.KAFKA_BROKERS), clientId: 'syndicate-delivery', logger });
    this.probe = new KafkaProbe(
      createKafka({ brokers: brokerList(config.KAFKA_BROKERS), clientId: 'syndicate-delivery', logger, retry: KAFKA_FAIL_FAST_RETRY }),
    );
    this.topics = topicNames(config.TOPIC_PREFIX);
    const keyring = Keyring.parse(config.SYNDICATE_SECRET_KEY);
    this.registry = new SubscriptionRegistry({ kafka: this.kafka, topic: this.topics.subscriptions, logger, keyring });
    this.producer = new KeyedProducer(this.kafka);
    this.redis = connectRedis(config.REDIS_URL);
    // Many deliveries in flight each check a version, take a slot or log an attempt: auto-pipelining sends
    // the commands issued in the same tick as one write. BullMQ keeps its own connection (it blocks on it).
    this.pipelined = connectRedis(config.REDIS_URL, { enableAutoPipelining: true });
    this.readiness = new Readiness({
      checks: { kafka: this.probe.check, redis: redisCheck(this.redis) },
      intervalMs: config.READINESS_INTERVAL_MS,
      logger,
    });
    this.attempts = new AttemptLog(this.pipelined, config.REDIS_KEY_PREFIX, config.ATTEMPT_LOG_LENGTH);
    this.sender = new WebhookSender({ allowlist: parseAllowlist(config.SYNDICATE_WEBHOOK_ALLOWLIST) }, config.DELIVERY_TIMEOUT_MS);
    this.bullPrefix = `${config.REDIS_KEY_PREFIX}bull`;
    this.slots = new EndpointSlots(
      this.pipelined,
      config.REDIS_KEY_PREFIX,
      (endpointId) => `${this.bullPrefix}:${webhookQueueName(endpointId)}:meta`,
      this.lockDuration,
    );
    this.tracker = new DeliveryTracker(this.redis, config.REDIS_KEY_PREFIX);
    this.hubPushQueue = new Queue(WEBSUB_PUSH_QUEUE, { connection: this.redis, prefix: this.bullPrefix });
    this.feedStore = new FeedStore({ redis: this.pipelined, keyPrefix: config.REDIS_KEY_PREFIX });
    this.metrics = createMetricsRegistry('delivery');
    // Anyone may subscribe to the hub: its callbacks answer to SYNDICATE_WEBSUB_ALLOWLIST alone.
    const hubPolicy = websubUrlPolicy(config.SYNDICATE_WEBSUB_ALLOWLIST, config.WEBHOOK_REQUIRE_HTTPS);
    this.hubSender = new WebhookSender(hubPolicy, config.DELIVERY_TIMEOUT_MS);
    this.hubSubscribers = new SubscriberStore(this.redis, config.REDIS_KEY_PREFIX, keyring);
    this.hub = new WebSubWorker({
      pushQueue: this.hubPushQueue,
      subscribers: this.hubSubscribers,
      documents: new FeedDocuments(
        this.feedStore,
        feedSite(config, () => config.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8080'),
      ),
      rendered: new RenderedDocuments(this.redis, config.REDIS_KEY_PREFIX),
      registry: this.registry,
      http: this.hubSender,
      policy: hubPolicy,
      keyring,
      limits: hubLimits(config),
      logger,
      metrics: this.metrics,
    });
    this.caller = new EndpointCaller({
      sender: this.sender,
      redis: this.redis,
      writer: new SubscriptionWriter(this.producer, this.topics.subscriptions, keyring),
      producer: this.producer,
      operationsTopic: this.topics.operations,
      keyPrefix: config.REDIS_KEY_PREFIX,
      disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
      logger,
      metrics: this.metrics,
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
    const superseded = await this.newerVersion(delivery);
    if (superseded !== null) return { status: 0, superseded };
    const endpoint = this.registry.get(delivery.subscriptionId);
    if (endpoint?.type !== 'webhook') throw new UnrecoverableError(`endpoint ${delivery.subscriptionId} no longer exists`);
    if (endpoint.disabled) throw new UnrecoverableError(`endpoint disabled: ${endpoint.disabled.reason}`);
    if (this.httpsRefused(endpoint)) throw new UnrecoverableError('https is required for webhooks');

    const slot = await this.slots.takeOne(endpoint);
    if (!slot) {
      // Every slot is taken (by batches or other processes): back shortly, without using up an attempt,
      // and later each time (up to 2 s), so the jobs of an endpoint whose slots hang wait rather than spin.
      const waits = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
      await job.moveToDelayed(Date.now() + Math.min(2_000, 50 * 2 ** waits) + Math.floor(Math.random() * 50), token);
      throw new DelayedError();
    }
    let result: AttemptResult;
    try {
      const attempt = (delivery.attemptsBefore ?? 0) + job.attemptsMade + 1;
      const outcome = await this.caller.attempt(endpoint, delivery, Buffer.from(delivery.body), attempt);
      await this.attempts.record([outcome.record]);
      result = outcome.result;
    } finally {
      await this.slots.release(slot, [endpoint.id]);
    }
    switch (result.kind) {
      case 'delivered':
        return { status: result.status };
      case 'failed':
        throw new DeliveryFailedError(result.reason, result.retryAfterMs);
      case 'dead':
        throw new UnrecoverableError(result.reason);
    }
  }

  /**
   * An article event's batch: every endpoint's first attempt, made at once. An endpoint that cannot take it
   * now (no free slot, paused, rate-limited, marked slow, disabled) gets a job on its own queue, and so does
   * one whose attempt fails, to be retried on the schedule. The batch waits for its attempts only so long
   * (WEBHOOK_BATCH_PATIENCE_MS): one not answered by then goes on in the background, guarded by a delayed
   * job on its endpoint's queue in case this process dies. A hanging endpoint thus holds up only the few
   * batches that got its slots, briefly, and never the healthy endpoints in them; one that answers very
   * late is served from its own queue for a while.
   * The attempts answered in time are logged, and their slots given back, together.
   */
  private async processBatch(job: Job<WebhookBatchJob>): Promise<{ delivered: number; handedOver: number; superseded?: number }> {
    const parsed = WebhookBatchJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed batch: ${z.prettifyError(parsed.error)}`);
    const batch = parsed.data;
    const superseded = await this.newerVersion(batch);
    if (superseded !== null) return { delivered: 0, handedOver: 0, superseded };

    const handOvers: Array<Promise<unknown>> = [];
    const candidates: Array<{ endpoint: WebhookSubscription; delivery: WebhookJob }> = [];
    for (const { subscriptionId, messageId } of batch.endpoints) {
      const endpoint = this.registry.get(subscriptionId);
      const delivery: WebhookJob = {
        subscriptionId,
        messageId,
        type: batch.type,
        articleId: batch.articleId,
        version: batch.version,
        body: batch.body,
      };
      // Not known here yet (created a moment ago: its worker starts when this registry hears of it), or
      // unable to take a first attempt now: its own queue holds the delivery.
      if (endpoint?.type !== 'webhook' || endpoint.disabled || endpoint.rateLimitPerSecond || this.httpsRefused(endpoint))
        handOvers.push(this.handOver(delivery, { attempts: batch.attempts }));
      else candidates.push({ endpoint, delivery });
    }
    // Past the process's bound (sockets, memory), the rest of a large batch is served from the endpoints' queues.
    const room = Math.max(0, this.config.WEBHOOK_BATCH_MAX_IN_FLIGHT - this.firstAttemptsInFlight);
    for (const { delivery } of candidates.splice(room)) handOvers.push(this.handOver(delivery, { attempts: batch.attempts }));
    this.firstAttemptsInFlight += candidates.length; // reserved now, for batches taking slots meanwhile
    const { token, granted } = await this.slots.takeForBatch(candidates.map((c) => c.endpoint)).catch((error) => {
      this.firstAttemptsInFlight -= candidates.length;
      throw error;
    });
    this.firstAttemptsInFlight -= granted.filter((g) => !g).length;
    const firstAttempts: FirstAttempt[] = [];
    const body = Buffer.from(batch.body); // encoded once, signed and sent to every endpoint
    for (const [i, { endpoint, delivery }] of candidates.entries()) {
      if (!granted[i]) handOvers.push(this.handOver(delivery, { attempts: batch.attempts }));
      else firstAttempts.push(this.firstAttempt({ endpoint, delivery, body }, token, batch.attempts));
    }
    let patience: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(firstAttempts.map((f) => f.done)),
      new Promise((resolve) => {
        patience = setTimeout(resolve, this.config.WEBHOOK_BATCH_PATIENCE_MS);
      }),
    ]);
    clearTimeout(patience);
    const answered: Array<FirstAttempt & { outcome: AttemptOutcome }> = [];
    for (const first of firstAttempts) {
      if (first.outcome) {
        answered.push(first as FirstAttempt & { outcome: AttemptOutcome });
        continue;
      }
      // Fires only if this process dies before the attempt ends: after the longest an attempt can take.
      first.lagging = this.handOver(first.delivery, { attempts: batch.attempts, delay: this.lockDuration });
      handOvers.push(first.lagging);
      // Still running at WEBHOOK_SLOW_AFTER_MS, the endpoint is kept out of batches for a while: it would
      // hold their slots, and the jobs handed over meanwhile would wait on them.
      const slow = setTimeout(() => {
        this.slots
          .markSlow(first.endpoint.id, this.config.WEBHOOK_SLOW_MARK_MS)
          .catch((error) => this.logger.error({ err: error, endpointId: first.endpoint.id }, 'could not mark an endpoint slow'));
      }, this.config.WEBHOOK_SLOW_AFTER_MS - this.config.WEBHOOK_BATCH_PATIENCE_MS);
      const background: Promise<void> = first.done
        .catch((error) =>
          this.logger.error(
            { err: error, messageId: first.delivery.messageId },
            'a first attempt failed after its batch; its guard job stays',
          ),
        )
        .finally(() => {
          clearTimeout(slow);
          this.background.delete(background);
        });
      this.background.add(background);
    }
    await Promise.all([
      ...handOvers,
      this.attempts.record(answered.map((f) => f.outcome.record)),
      this.slots.release(
        token,
        answered.map((f) => f.endpoint.id),
      ),
      ...answered.map((f) => this.followUp(f.delivery, f.outcome.result, batch.attempts)),
    ]);
    return { delivered: answered.filter((f) => f.outcome.result.kind === 'delivered').length, handedOver: handOvers.length };
  }

  /**
   * Starts a batch's attempt at one endpoint. Answered while the batch waits, it is the batch's to log and
   * follow up; answered later, it does that itself, in place of its guard job.
   */
  private firstAttempt(
    { endpoint, delivery, body }: { endpoint: WebhookSubscription; delivery: WebhookJob; body: Buffer },
    slot: string,
    attempts: number,
  ): FirstAttempt {
    const first = { endpoint, delivery } as FirstAttempt;
    const attempt = this.caller.attempt(endpoint, delivery, body, 1).finally(() => {
      this.firstAttemptsInFlight--;
    });
    first.done = attempt.then(async (outcome) => {
      first.outcome = outcome;
      if (!first.lagging) return;
      await Promise.all([this.attempts.record([outcome.record]), this.slots.release(slot, [endpoint.id]), first.lagging]);
      await this.endpointQueue(endpoint.id).remove(delivery.messageId);
      await this.followUp(delivery, outcome.result, attempts);
    });
    return first;
  }

  /** After a batch's attempt: nothing if delivered, else a retry on the endpoint's queue, or a dead letter. */
  private async followUp(delivery: WebhookJob, result: AttemptResult, attempts: number): Promise<void> {
    switch (result.kind) {
      case 'delivered':
        return;
      case 'failed':
        return attempts > 1
          ? this.handOver({ ...delivery, attemptsBefore: 1 }, { attempts: attempts - 1, delay: this.retryDelay(1, result.retryAfterMs) })
          : this.handOver({ ...delivery, deadLetter: `${result.reason} (no attempts left)` }, { attempts: 1 });
      case 'dead':
        return this.handOver({ ...delivery, deadLetter: result.reason }, { attempts: 1 });
    }
  }

  /**
   * Puts a delivery on its endpoint's own queue, where a newer version can cancel it. Its job id is its
   * webhook-id, so handing the same delivery over twice adds it once.
   */
  private async handOver(delivery: WebhookJob, options: { attempts: number; delay?: number }): Promise<void> {
    const queue = this.endpointQueue(delivery.subscriptionId);
    await queue.add(delivery.type, delivery, { ...webhookJobOptions(options.attempts), jobId: delivery.messageId, delay: options.delay });
    await this.tracker.track(delivery.articleId, delivery.version, [{ queueName: queue.name, jobId: delivery.messageId }]);
  }

  /**
   * Never an older version after a newer one: a batch or job the fanout could not take off its queue in
   * time (it was being sent, or retrying) is dropped once a newer version or a withdrawal is stored.
   */
  private async newerVersion({ articleId, version }: { articleId: string; version: number }): Promise<number | null> {
    const stored = await this.feedStore.version(articleId);
    return stored !== null && stored > version ? stored : null;
  }

  private httpsRefused = (endpoint: WebhookSubscription) => this.config.WEBHOOK_REQUIRE_HTTPS && !endpoint.url.startsWith('https:');

  private retryDelay = (attemptsMade: number, retryAfterMs?: number) =>
    retryDelayMs(attemptsMade, this.config.WEBHOOK_RETRY_SCHEDULE_MS, this.config.WEBHOOK_RETRY_JITTER, retryAfterMs);

  /** An endpoint's own queue, made on first use. */
  private endpointQueue(endpointId: string): Queue<WebhookJob> {
    let queue = this.endpointQueues.get(endpointId);
    if (!queue) {
      queue = new Queue<WebhookJob>(webhookQueueName(endpointId), { connection: this.redis, prefix: this.bullPrefix });
      this.endpointQueues.set(endpointId, queue);
    }
    return queue;
  }

  /** Starts, replaces (new limits) or stops the worker of one endpoint to match its subscription. */
  private syncEndpoint(endpoint: WebhookSubscription | undefined, id: string): void {
    const current = this.endpointWorkers.get(id);
    const limits = endpoint ? `${endpoint.maxConcurrency}/${endpoint.rateLimitPerSecond ?? '-'}` : '';
    if (this.stopping || current?.limits === limits) return;
    if (current) {
      this.endpointWorkers.delete(id);
      void current.worker.close();
    }
    if (!endpoint) return;
    // A worker's concurrency holds in its own process only; the queue's global concurrency holds across
    // every delivery process and saves its jobs waiting for slots (see EndpointSlots) in vain.
    this.endpointQueue(id)
      .setGlobalConcurrency(endpoint.maxConcurrency)
      .catch((error) => this.logger.error({ err: error, endpointId: id }, 'could not set the endpoint concurrency'));
    const worker = new Worker<WebhookJob>(webhookQueueName(id), (job, token) => this.process(job, token), {
      connection: this.redis,
      prefix: this.bullPrefix,
      concurrency: endpoint.maxConcurrency,
      ...WORKER_RECOVERY,
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
    this.endpointWorkers.set(id, { worker, limits });
  }

  /**
   * A deleted feed's WebSub subscriptions end with it (also when a restart reads the deletion again: only
   * those made for this feed, not for one made anew under its slug; and those from before feeds were noted).
   */
  private endHubSubscriptions(slug: string, feedId: string): void {
    this.hubSubscribers
      .removeWhere(slug, (s) => s.feedId === feedId || s.feedId === undefined)
      .then((removed) => {
        if (removed > 0) this.logger.info({ slug, feedId, removed }, 'websub subscriptions of a deleted feed ended');
      })
      .catch((error) => this.logger.error({ err: error, slug }, 'could not end the websub subscriptions of a deleted feed'));
  }

  /** The longest a request holds its job (and its endpoint slot), and a little more. */
  private get lockDuration() {
    return Math.max(10_000, this.sender.longestRequestMs + 5_000);
  }

  /** A job whose worker died (its lock not renewed) is handed to another within about lockDuration. */
  private get stallRecovery() {
    return { lockDuration: this.lockDuration, stalledInterval: 5_000, maxStalledCount: 5 };
  }

  async start(): Promise<void> {
    await redisReady(this.redis);
    await checkRedisDurability(this.redis, this.logger); // refuses a Redis that would evict queued deliveries
    this.registry.on('change', (change) => {
      if ('deleted' in change) {
        this.syncEndpoint(undefined, change.id);
        if (change.previous?.type === 'feed') this.endHubSubscriptions(change.previous.slug, change.id);
      } else if (change.type === 'webhook') this.syncEndpoint(change, change.id);
    });
    await ensureTopics(this.kafka, [{ topic: this.topics.operations }]);
    await this.producer.start();
    await this.registry.start();
    this.hubWorker = new Worker(WEBSUB_QUEUE, (job) => this.hub.process(job), {
      connection: this.redis,
      prefix: this.bullPrefix,
      concurrency: this.config.WEBSUB_CONCURRENCY,
      ...WORKER_RECOVERY,
      stalledInterval: 5_000,
    });
    this.hubWorker.on('error', (error) => this.logger.error({ err: error }, 'websub worker error'));
    this.hubPushWorker = new Worker(WEBSUB_PUSH_QUEUE, (job) => this.hub.process(job), {
      connection: this.redis,
      prefix: this.bullPrefix,
      concurrency: this.config.WEBSUB_PUSH_CONCURRENCY,
      ...WORKER_RECOVERY,
      stalledInterval: 5_000,
    });
    this.hubPushWorker.on('error', (error) => this.logger.error({ err: error }, 'websub push worker error'));
    this.batchWorker = new Worker<WebhookBatchJob>(WEBHOOK_BATCH_QUEUE, (job) => this.processBatch(job), {
      connection: this.redis,
      prefix: this.bullPrefix,
      concurrency: this.config.WEBHOOK_BATCH_CONCURRENCY,
      ...WORKER_RECOVERY,
      ...this.stallRecovery,
    });
    this.batchWorker.on('error', (error) => this.logger.error({ err: error }, 'batch worker error'));
    await Promise.all([
      ...[...this.endpointWorkers.values()].map((e) => e.worker.waitUntilReady()),
      this.hubWorker.waitUntilReady(),
      this.hubPushWorker.waitUntilReady(),
      this.batchWorker.waitUntilReady(),
    ]);
    await this.readiness.start();
  }

  /** Workers first (in-flight deliveries finish), then the registry, HTTP agent and Redis. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.readiness.stop();
    // Batches first: their hand-overs go to the endpoints' queues.
    await this.batchWorker?.close();
    await Promise.allSettled(this.background);
    await Promise.all([
      ...[...this.endpointWorkers.values()].map((e) => e.worker.close()),
      this.hubWorker?.close(),
      this.hubPushWorker?.close(),
    ]);
    await Promise.allSettled([...this.endpointQueues.values()].map((q) => q.close()));
    this.endpointWorkers.clear();
    this.endpointQueues.clear();
    this.hubWorker = undefined;
    this.hubPushWorker = undefined;
    this.batchWorker = undefined;
    await Promise.allSettled([
      this.registry.stop(),
      this.hubPushQueue.close(),
      this.sender.close(),
      this.hubSender.close(),
      this.producer.stop(),
      this.probe.stop(),
    ]);
    this.redis.disconnect();
    this.pipelined.disconnect();
  }
}
