import { brokerList, feedSite, Keyring } from '@syndicate/config';
import { deadLetterTopic, topicNames } from '@syndicate/contracts';
import { FeedCache, FeedStore, feedChangesChannel } from '@syndicate/feed-store';
import { FeedDocuments } from '@syndicate/feeds';
import {
  BusUnavailableError,
  coreTopicSpecs,
  createKafka,
  ensureTopics,
  KAFKA_FAIL_FAST_RETRY,
  KafkaProbe,
  KeyedProducer,
  kafkaSecurity,
  readTopicToEnd,
  TopicOffsets,
} from '@syndicate/kafka-runtime';
import { Counter, createMetricsRegistry, type Logger, Readiness } from '@syndicate/observability';
import {
  BACKFILL_QUEUE,
  checkRedisDurability,
  connectRedis,
  failFastRedis,
  Queues,
  redisCheck,
  redisReady,
  StoreUnavailableError,
  WEBHOOK_BATCH_QUEUE,
  WEBSUB_PUSH_QUEUE,
  WEBSUB_QUEUE,
  webhookQueueName,
} from '@syndicate/redis-runtime';
import { SubscriptionRegistry, SubscriptionWriter } from '@syndicate/subscriptions';
import { AttemptLog, parseAllowlist } from '@syndicate/webhooks';
import { SubscriberStore, websubUrlPolicy } from '@syndicate/websub';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ArticleVersions } from './article-versions.js';
import type { ApiConfig } from './config.js';
import type { ApiDeps } from './deps.js';
import { SharedRateLimiter } from './rate-limiter.js';

/** The HTTP process: owns its Kafka, Redis and BullMQ connections and the Fastify app. */
export class ApiService {
  readonly app: FastifyInstance;
  readonly deps: ApiDeps;
  /** Message counts of the dead-letter topics, for the operators' view. */
  private readonly topicOffsets: TopicOffsets;
  private readonly kafka;
  /** Kafka and Redis, checked in the background: /readyz, and failing fast while one is down. */
  readonly readiness: Readiness;
  private readonly probe: KafkaProbe;
  /** The queues requests add to (webhook retries and replays, backfills, WebSub), each made on first use. */
  private readonly queues: Queues;

  constructor(
    private readonly config: ApiConfig,
    private readonly logger: Logger,
  ) {
    const topics = topicNames(config.TOPIC_PREFIX);
    const brokers = brokerList(config.KAFKA_BROKERS);
    this.kafka = createKafka({ brokers, clientId: 'syndicate-api', logger, security: kafkaSecurity(config) });
    this.topicOffsets = new TopicOffsets(this.kafka);
    // Requests wait on this client (their produce) and on the readiness probe: few retries, short timeouts, so a
    // dead broker is an answer within KAFKA_SEND_TIMEOUT_MS rather than a request held for kafkajs' patience.
    const failFast = createKafka({
      brokers,
      clientId: 'syndicate-api',
      logger,
      retry: KAFKA_FAIL_FAST_RETRY,
      requestTimeoutMs: config.KAFKA_SEND_TIMEOUT_MS,
      security: kafkaSecurity(config),
    });
    this.probe = new KafkaProbe(failFast);
    // Commands fail at once while Redis is away, or after REDIS_COMMAND_TIMEOUT_MS: a request gets 503, not a wait.
    const redis = connectRedis(config.REDIS_URL, failFastRedis(config.REDIS_COMMAND_TIMEOUT_MS));
    this.queues = new Queues({ connection: redis, keyPrefix: config.REDIS_KEY_PREFIX });
    this.readiness = new Readiness({
      // Read at every run, so a test may swap a check.
      checks: { kafka: () => this.deps.checkKafka(), redis: () => this.deps.checkRedis() },
      intervalMs: config.READINESS_INTERVAL_MS,
      logger,
    });
    // While the probe finds the broker down, a publish fails at once and writes nothing.
    const producer = new KeyedProducer(failFast, {
      retry: KAFKA_FAIL_FAST_RETRY,
      sendTimeoutMs: config.KAFKA_SEND_TIMEOUT_MS,
      knownDown: () => this.readiness.isDown('kafka'),
    });
    const metrics = createMetricsRegistry('api');
    const keyring = Keyring.parse(config.SYNDICATE_SECRET_KEY);
    const registry = new SubscriptionRegistry({ kafka: this.kafka, topic: topics.subscriptions, logger, keyring });
    this.deps = {
      config,
      publicBaseUrl: () => (config.PUBLIC_BASE_URL ?? this.url).replace(/\/$/, ''),
      topics,
      producer,
      redis,
      metrics,
      registry,
      versions: new ArticleVersions(redis, config.REDIS_KEY_PREFIX),
      keyring,
      subscriptions: new SubscriptionWriter(producer, topics.subscriptions, keyring),
      feedDocuments: new FeedDocuments(
        new FeedStore({ redis, keyPrefix: config.REDIS_KEY_PREFIX }),
        feedSite(config, () => this.deps.publicBaseUrl()),
      ),
      // Its own connection: a Redis connection in subscriber mode can do nothing else.
      feedCache: new FeedCache(connectRedis(config.REDIS_URL), feedChangesChannel(config.REDIS_KEY_PREFIX), {
        maxBytes: config.FEED_CACHE_MAX_BYTES,
      }),
      rateLimiter: new SharedRateLimiter({ redis, keyPrefix: config.REDIS_KEY_PREFIX }),
      webhookQueue: (endpointId) => {
        const name = webhookQueueName(endpointId);
        // A queue made while Redis is away would wait for it, holding the request: answer 503 now instead.
        if (!this.queues.has(name) && redis.status !== 'ready') throw new StoreUnavailableError();
        return this.queues.get(name);
      },
      attempts: new AttemptLog(redis, config.REDIS_KEY_PREFIX, 100),
      webhookBatchQueue: this.queues.get(WEBHOOK_BATCH_QUEUE),
      websubQueue: this.queues.get(WEBSUB_QUEUE),
      websubPushQueue: this.queues.get(WEBSUB_PUSH_QUEUE),
      hubSubscribers: new SubscriberStore(redis, config.REDIS_KEY_PREFIX, keyring),
      backfillQueue: this.queues.get(BACKFILL_QUEUE),
      urlPolicy: { allowlist: parseAllowlist(config.SYNDICATE_WEBHOOK_ALLOWLIST), requireHttps: config.WEBHOOK_REQUIRE_HTTPS },
      websubUrlPolicy: websubUrlPolicy(config.SYNDICATE_WEBSUB_ALLOWLIST, config.WEBHOOK_REQUIRE_HTTPS),
      articlesAccepted: new Counter({
        name: 'syndicate_articles_accepted_total',
        help: 'Article events accepted, by type',
        labelNames: ['type'],
        registers: [metrics],
      }),
      controlCharsRemoved: new Counter({
        name: 'syndicate_article_control_chars_removed_total',
        help: 'Control characters removed from submitted article text',
        registers: [metrics],
      }),
      readiness: this.readiness,
      checkKafka: this.probe.check,
      checkRedis: redisCheck(redis),
      deadLetterCounts: async () => {
        if (this.readiness.isDown('kafka')) throw new BusUnavailableError('the message bus is down');
        const counts: Record<string, number> = {};
        for (const topic of [deadLetterTopic(topics.articleEvents), deadLetterTopic(topics.articleEnriched)]) {
          counts[topic] = await this.topicOffsets.messageCount(topic);
        }
        return counts;
      },
      readTopicToEnd: async (topic, onBatch) => {
        if (this.readiness.isDown('kafka')) throw new BusUnavailableError('the message bus is down');
        return readTopicToEnd(this.kafka, topic, onBatch, { groupPrefix: 'console-dlq', idleTimeoutMs: 15_000 });
      },
      topicWatermarks: async (topic) => {
        if (this.readiness.isDown('kafka')) throw new BusUnavailableError('the message bus is down');
        return this.topicOffsets.watermarks(topic);
      },
      consumerLag: async () => {
        if (this.readiness.isDown('kafka')) throw new BusUnavailableError('the message bus is down');
        const groups = config.CONSOLE_CONSUMER_GROUPS.split(',')
          .map((g) => g.trim())
          .filter(Boolean);
        const read = [topics.articleEvents, topics.articleEnriched];
        return (await Promise.all(groups.map((group) => this.topicOffsets.consumerLag(group, read)))).flat();
      },
    };
    this.app = buildApp(this.deps, logger);
  }

  /** The address it listens on (useful with PORT=0). */
  get url(): string {
    const address = this.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  async start(): Promise<void> {
    await redisReady(this.deps.redis);
    await checkRedisDurability(this.deps.redis, this.logger); // refuses a Redis that would evict our keys
    await ensureTopics(this.kafka, coreTopicSpecs(this.deps.topics));
    await this.deps.producer.start();
    await this.deps.feedCache.start();
    this.deps.rateLimiter.start();
    // A feed's title or access may change with its subscription.
    this.deps.registry.on('change', (change) => {
      if ('slug' in change) this.deps.feedCache.invalidate(change.slug);
      else if ('deleted' in change) this.deps.feedCache.clear();
    });
    await this.deps.registry.start();
    await this.readiness.start();
    await this.app.listen({ port: this.config.PORT, host: this.config.HOST });
    this.logger.info({ url: this.url }, 'api listening');
  }

  /** HTTP first (in-flight requests finish, new ones get 503), then Kafka (flush), then Redis. */
  async stop(): Promise<void> {
    await this.app.close();
    this.readiness.stop();
    this.deps.rateLimiter.stop();
    await Promise.allSettled([
      this.deps.registry.stop(),
      this.deps.producer.stop(),
      this.queues.close(),
      this.deps.feedCache.stop(),
      this.topicOffsets.stop(),
      this.probe.stop(),
    ]);
    this.deps.redis.disconnect();
  }
}
