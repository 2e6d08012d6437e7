import { brokerList, Keyring } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { FeedStore } from '@syndicate/feed-store';
import { createKafka, ensureTopics, KAFKA_FAIL_FAST_RETRY, KafkaProbe, KeyedProducer, kafkaSecurity } from '@syndicate/kafka-runtime';
import { Counter, createMetricsRegistry, Histogram, type Logger, Readiness, type Registry } from '@syndicate/observability';
import {
  checkRedisDurability,
  connectRedis,
  openWorker,
  type QueueConnection,
  Queues,
  type Redis,
  redisCheck,
  redisReady,
  WEBHOOK_BATCH_QUEUE,
  type Worker,
} from '@syndicate/redis-runtime';
import { SubscriptionRegistry, SubscriptionWriter } from '@syndicate/subscriptions';
import {
  AttemptLog,
  BatchDelivery,
  batchJobProcessor,
  DeliveryTracker,
  deliveryLockMs,
  EndpointCaller,
  EndpointQueues,
  EndpointSlots,
  EndpointWorkers,
  parseAllowlist,
  QueuedDelivery,
  queuedJobProcessor,
  RetryPolicy,
  stallRecovery,
  type WebhookBatchJob,
  WebhookSender,
} from '@syndicate/webhooks';
import type { DeliveryConfig } from './config.js';
import { WebSubHub } from './websub-hub.js';

/**
 * The delivery process, wired: webhook deliveries (first attempts from each article's batch, the rest from
 * each endpoint's own queue: the steps in @syndicate/webhooks) and, beside them, the WebSub hub's workers.
 * Failures are retried by BullMQ; jobs that exhaust their attempts stay in the failed set as dead letters.
 * A killed worker's in-flight jobs, batches included, become stalled and are picked up again, so none is
 * lost (a batch picked up again repeats its deliveries, with the same webhook-ids).
 */
export class DeliveryService {
  readonly metrics: Registry;
  /** Kafka and Redis, checked in the background, for /readyz. */
  readonly readiness: Readiness;
  private readonly probe: KafkaProbe;
  readonly registry: SubscriptionRegistry;
  readonly attempts: AttemptLog;
  private readonly redis: Redis;
  /** For our own per-delivery commands (version check, slots, attempt log); see the constructor. */
  private readonly pipelined: Redis;
  private readonly sender: WebhookSender;
  private readonly kafka;
  private readonly topics: ReturnType<typeof topicNames>;
  private readonly producer: KeyedProducer;
  /** What BullMQ uses: `redis` (workers block on it) and the deployment's key prefix. */
  private readonly bull: QueueConnection;
  /** The queues it adds to (the endpoints' own, the hub's pushes), each made once and closed together. */
  private readonly queues: Queues;
  /** How long a job's lock, an endpoint slot's lease and a guard job's delay last. */
  private readonly lockMs: number;
  private readonly endpointQueues: EndpointQueues;
  private readonly batches: BatchDelivery;
  private readonly endpointWorkers: EndpointWorkers;
  private batchWorker?: Worker<WebhookBatchJob>;
  private readonly hub: WebSubHub;

  constructor(
    private readonly config: DeliveryConfig,
    private readonly logger: Logger,
  ) {
    this.kafka = createKafka({
      brokers: brokerList(config.KAFKA_BROKERS),
      clientId: 'syndicate-delivery',
      logger,
      security: kafkaSecurity(config),
    });
    this.probe = new KafkaProbe(
      createKafka({
        brokers: brokerList(config.KAFKA_BROKERS),
        clientId: 'syndicate-delivery',
        logger,
        retry: KAFKA_FAIL_FAST_RETRY,
        security: kafkaSecurity(config),
      }),
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
    this.bull = { connection: this.redis, keyPrefix: config.REDIS_KEY_PREFIX };
    this.queues = new Queues(this.bull);
    this.lockMs = deliveryLockMs(this.sender.longestRequestMs);
    this.metrics = createMetricsRegistry('delivery');
    const feedStore = new FeedStore({ redis: this.pipelined, keyPrefix: config.REDIS_KEY_PREFIX });
    const slots = new EndpointSlots(this.pipelined, config.REDIS_KEY_PREFIX, this.lockMs);
    const caller = new EndpointCaller({
      sender: this.sender,
      redis: this.redis,
      writer: new SubscriptionWriter(this.producer, this.topics.subscriptions, keyring),
      producer: this.producer,
      operationsTopic: this.topics.operations,
      keyPrefix: config.REDIS_KEY_PREFIX,
      disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
      logger,
      metrics: {
        attempts: new Counter({
          name: 'syndicate_webhook_attempts_total',
          help: 'Webhook delivery attempts, by outcome',
          labelNames: ['outcome'],
          registers: [this.metrics],
        }),
        latencySeconds: new Histogram({
          name: 'syndicate_webhook_attempt_seconds',
          help: 'Time from request to response of one attempt',
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
          registers: [this.metrics],
        }),
      },
    });
    const retry = new RetryPolicy(config.WEBHOOK_RETRY_SCHEDULE_MS, config.WEBHOOK_RETRY_JITTER);
    const endpointOf = (id: string) => this.registry.get(id);
    this.endpointQueues = new EndpointQueues({ queues: this.queues, tracker: new DeliveryTracker(this.redis, config.REDIS_KEY_PREFIX) });
    this.batches = new BatchDelivery({
      endpointOf,
      versions: feedStore,
      slots,
      caller,
      attemptLog: this.attempts,
      queues: this.endpointQueues,
      retry,
      logger,
      requireHttps: config.WEBHOOK_REQUIRE_HTTPS,
      maxInFlight: config.WEBHOOK_BATCH_MAX_IN_FLIGHT,
      patienceMs: config.WEBHOOK_BATCH_PATIENCE_MS,
      slowAfterMs: config.WEBHOOK_SLOW_AFTER_MS,
      slowMarkMs: config.WEBHOOK_SLOW_MARK_MS,
      guardDelayMs: this.lockMs, // a guard fires only if the attempt has outlived its longest
    });
    const queued = new QueuedDelivery({
      endpointOf,
      versions: feedStore,
      slots,
      caller,
      attemptLog: this.attempts,
      requireHttps: config.WEBHOOK_REQUIRE_HTTPS,
    });
    this.endpointWorkers = new EndpointWorkers({
      connection: this.bull,
      workerOptions: stallRecovery(this.lockMs),
      process: queuedJobProcessor(queued),
      retry,
      queues: this.endpointQueues,
      logger,
    });
    this.hub = new WebSubHub({
      config,
      redis: this.redis,
      queues: this.queues,
      registry: this.registry,
      feedStore,
      keyring,
      logger,
      metrics: this.metrics,
    });
  }

  async start(): Promise<void> {
    await redisReady(this.redis);
    await checkRedisDurability(this.redis, this.logger); // refuses a Redis that would evict queued deliveries
    // Listening before the registry reads the topic: its replay starts the endpoints' workers.
    this.registry.on('change', (change) => {
      if ('deleted' in change) {
        this.endpointWorkers.sync(change.id, undefined);
        if (change.previous?.type === 'feed') this.hub.feedDeleted(change.previous.slug, change.id);
      } else if (change.type === 'webhook') this.endpointWorkers.sync(change.id, change);
    });
    await ensureTopics(this.kafka, [{ topic: this.topics.operations }]);
    await this.producer.start();
    await this.registry.start();
    this.batchWorker = openWorker<WebhookBatchJob>(WEBHOOK_BATCH_QUEUE, batchJobProcessor(this.batches), this.bull, {
      concurrency: this.config.WEBHOOK_BATCH_CONCURRENCY,
      ...stallRecovery(this.lockMs),
    });
    this.batchWorker.on('error', (error) => this.logger.error({ err: error }, 'batch worker error'));
    await Promise.all([this.endpointWorkers.waitUntilReady(), this.hub.start(), this.batchWorker.waitUntilReady()]);
    await this.readiness.start();
  }

  /** Workers first (in-flight deliveries finish), then the registry, HTTP agent and Redis. */
  async stop(): Promise<void> {
    this.readiness.stop();
    // Batches first: their hand-overs, and the first attempts they left in the background, go to the endpoints' queues.
    await this.batchWorker?.close();
    this.batchWorker = undefined;
    await this.batches.drain();
    await Promise.all([this.endpointWorkers.close(), this.hub.stop()]);
    await this.queues.close();
    await Promise.allSettled([this.registry.stop(), this.sender.close(), this.producer.stop(), this.probe.stop()]);
    this.redis.disconnect();
    this.pipelined.disconnect();
  }
}
