import { brokerList, connectRedis } from '@syndicate/config';
import { EnrichedRecord, fromKafkaRecord, type Subscription, topicNames, type WebhookSubscription } from '@syndicate/contracts';
import { announceFeedChanges, FeedStore } from '@syndicate/feeds';
import {
  ConsumerLoop,
  coreTopicSpecs,
  createKafka,
  drop,
  ensureTopics,
  KeyedProducer,
  ok,
  type StepResult,
  TransientError,
} from '@syndicate/kafka-runtime';
import { Counter, createMetricsRegistry, type Logger, type Registry } from '@syndicate/observability';
import { matchesFilter, SubscriptionRegistry } from '@syndicate/subscriptions';
import { WEBHOOK_QUEUE, type WebhookJob, webhookBody, webhookJobOptions, webhookMessageId } from '@syndicate/webhooks';
import { distributeJob, WEBSUB_QUEUE } from '@syndicate/websub';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import type { FanoutConfig } from './config.js';
import { nativePartnerMessage } from './partner-format.js';

export function decodeEnrichedRecord(message: KafkaMessage): EnrichedRecord {
  const { data } = fromKafkaRecord(message.headers, message.value);
  const parsed = EnrichedRecord.safeParse(data);
  if (!parsed.success) throw new Error(`invalid enriched record: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * article-enriched → feeds (Redis), webhook jobs (BullMQ) and partner topics (Kafka). Every effect is
 * idempotent (feed upsert by version, job id = webhook-id, partner messages keyed by id with a version), so
 * redoing a message after a crash is harmless; the offset is committed only after all of them.
 */
export class FanoutService {
  readonly metrics: Registry;
  readonly registry: SubscriptionRegistry;
  readonly feeds: FeedStore;
  private readonly redis: Redis;
  private readonly queue: Queue<WebhookJob>;
  private readonly hubQueue: Queue;
  private readonly producer: KeyedProducer;
  private readonly loop: ConsumerLoop<EnrichedRecord>;
  private readonly topics: ReturnType<typeof topicNames>;
  private readonly kafka;
  private readonly fannedOut: Counter;

  constructor(
    private readonly config: FanoutConfig,
    private readonly logger: Logger,
  ) {
    this.topics = topicNames(config.TOPIC_PREFIX);
    this.kafka = createKafka({ brokers: brokerList(config.KAFKA_BROKERS), clientId: 'syndicate-fanout', logger });
    this.producer = new KeyedProducer(this.kafka);
    this.redis = connectRedis(config.REDIS_URL);
    this.feeds = new FeedStore({ redis: this.redis, keyPrefix: config.REDIS_KEY_PREFIX, maxItemsPerFeed: config.FEED_MAX_ITEMS });
    this.queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, { connection: this.redis, prefix: `${config.REDIS_KEY_PREFIX}bull` });
    this.hubQueue = new Queue(WEBSUB_QUEUE, { connection: this.redis, prefix: `${config.REDIS_KEY_PREFIX}bull` });
    this.registry = new SubscriptionRegistry({ kafka: this.kafka, topic: this.topics.subscriptions, logger });
    this.metrics = createMetricsRegistry('fanout');
    this.fannedOut = new Counter({
      name: 'syndicate_fanout_outputs_total',
      help: 'Outputs produced, by channel',
      labelNames: ['channel'],
      registers: [this.metrics],
    });
    this.loop = new ConsumerLoop({
      kafka: this.kafka,
      groupId: config.FANOUT_GROUP_ID,
      topics: [this.topics.articleEnriched],
      producer: this.producer,
      logger,
      decode: decodeEnrichedRecord,
      handle: (record) => this.handle(record).catch(asTransient),
      metrics: this.metrics,
    });
  }

  private async handle(record: EnrichedRecord): Promise<StepResult> {
    const id = record.type === 'article.withdrawn' ? record.id : record.article.id;
    const version = record.type === 'article.withdrawn' ? record.version : record.article.version;
    const stored = await this.feeds.get(id);
    if (stored && (stored.version > version || (stored.version === version && record.type !== 'article.withdrawn'))) {
      return drop(`version ${version} is not newer than stored version ${stored.version}`);
    }
    // A withdrawal reaches whoever the article last matched; an article matches by its own content.
    const matchedOn = record.type === 'article.withdrawn' ? stored?.record : record;
    const subscribers = matchedOn ? this.registry.all().filter((s) => matchesFilter(s.filter, matchedOn)) : [];

    await this.enqueueWebhooks(record, id, version, subscribers.filter(isWebhookFor(record.type)));
    await this.sendToPartners(record, id, subscribers);
    const changedFeeds =
      record.type === 'article.withdrawn'
        ? await this.feeds.withdraw(id, version, new Date(record.withdrawnAt))
        : await this.feeds.put(
            record,
            subscribers.flatMap((s) => (s.type === 'feed' ? [s.slug] : [])),
          );
    await this.feedsChanged(changedFeeds);
    return ok();
  }

  /** Feed servers drop their cached copies of these feeds, and the WebSub hub pushes them to subscribers. */
  private async feedsChanged(slugs: string[]) {
    if (slugs.length === 0) return;
    await this.hubQueue.addBulk(slugs.map((slug) => distributeJob(slug)));
    await announceFeedChanges(this.redis, this.config.REDIS_KEY_PREFIX, slugs);
  }

  private async enqueueWebhooks(record: EnrichedRecord, articleId: string, version: number, endpoints: WebhookSubscription[]) {
    if (endpoints.length === 0) return;
    const data = record.type === 'article.withdrawn' ? record : { ...record.article, enrichment: record.enrichment };
    const body = webhookBody(record.type, data);
    const options = webhookJobOptions(this.config.WEBHOOK_ATTEMPTS, this.config.WEBHOOK_BACKOFF_MS);
    await this.queue.addBulk(
      endpoints.map((endpoint) => {
        const messageId = webhookMessageId({ endpointId: endpoint.id, articleId, version, type: record.type });
        // jobId = webhook-id: enqueuing the same delivery twice (after a crash) adds it once.
        return {
          name: record.type,
          data: { subscriptionId: endpoint.id, messageId, type: record.type, articleId, version, body },
          opts: { ...options, jobId: messageId },
        };
      }),
    );
    this.fannedOut.inc({ channel: 'webhook' }, endpoints.length);
  }

  private async sendToPartners(record: EnrichedRecord, articleId: string, subscribers: Subscription[]) {
    const partners = new Set(subscribers.flatMap((s) => (s.type === 'partner-queue' ? [s.partnerId] : [])));
    for (const partnerId of partners) {
      await this.producer.send(this.topics.partner(partnerId), [
        { key: articleId, value: nativePartnerMessage(record), headers: { 'content-type': 'application/json', ce_type: record.type } },
      ]);
    }
    this.fannedOut.inc({ channel: 'partner' }, partners.size);
  }

  async start(): Promise<void> {
    await ensureTopics(this.kafka, coreTopicSpecs(this.topics));
    await this.registry.start();
    await this.producer.start();
    await this.loop.start();
    this.logger.info({ topic: this.topics.articleEnriched }, 'fanout consuming');
  }

  /** Consumer first (finishes and commits), then the registry, producer, queue and Redis. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([this.registry.stop(), this.producer.stop(), this.queue.close(), this.hubQueue.close()]);
    this.redis.disconnect();
  }
}

const isWebhookFor =
  (type: EnrichedRecord['type']) =>
  (s: Subscription): s is WebhookSubscription =>
    s.type === 'webhook' && (!s.eventTypes || s.eventTypes.includes(type));

/** Redis or Kafka trouble is the world's fault, not the message's: retry it rather than dead-letter it. */
function asTransient(error: unknown): never {
  throw new TransientError(error instanceof Error ? error.message : String(error), { cause: error });
}
