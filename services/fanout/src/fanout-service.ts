import { brokerList } from '@syndicate/config';
import {
  BackfillJob,
  type BackfillProgress,
  EnrichedRecord,
  embargoEndsAt,
  fromKafkaRecord,
  type Subscription,
  topicNames,
  underEmbargo,
  type WebhookSubscription,
} from '@syndicate/contracts';
import { iptcVocabulary } from '@syndicate/enrichment/iptc';
import { announceFeedChanges, FeedStore, type PartnerOffset, PartnerOffsetLog, VersionLog, versionOutcome } from '@syndicate/feed-store';
import type { KafkaMessage } from '@syndicate/kafka-runtime';
import {
  ConsumerLoop,
  classifyFailure,
  coreTopicSpecs,
  createKafka,
  drop,
  ensureTopics,
  KAFKA_FAIL_FAST_RETRY,
  KafkaProbe,
  KeyedProducer,
  kafkaSecurity,
  ok,
  type StepResult,
} from '@syndicate/kafka-runtime';
import { Counter, createMetricsRegistry, type Logger, Readiness, type Registry } from '@syndicate/observability';
import {
  BACKFILL_QUEUE,
  checkRedisDurability,
  connectRedis,
  EMBARGO_QUEUE,
  type Job,
  openWorker,
  type Queue,
  Queues,
  type Redis,
  redisCheck,
  redisReady,
  UnrecoverableError,
  WEBHOOK_BATCH_QUEUE,
  WEBSUB_QUEUE,
  type Worker,
} from '@syndicate/redis-runtime';
import { SubscriptionRegistry } from '@syndicate/subscriptions';
import { DeliveryTracker, type WebhookBatchJob } from '@syndicate/webhooks';
import { distributeJob } from '@syndicate/websub';
import { z } from 'zod';
import { ArticleLocks } from './article-lock.js';
import { readEnrichedSince } from './backfill.js';
import { CoalescedSends } from './coalesced-sends.js';
import type { FanoutConfig } from './config.js';
import { EmbargoHold } from './embargo.js';
import {
  backfillFor,
  feedsFor,
  heldBackBecause,
  matchedOn,
  partnerMessages,
  recordId,
  recordVersion,
  staleBecause,
  webhookBatchJob,
  webhookEndpoints,
} from './fanout-steps.js';

export function decodeEnrichedRecord(message: KafkaMessage): EnrichedRecord {
  const { data } = fromKafkaRecord(message.headers, message.value);
  const parsed = EnrichedRecord.safeParse(data);
  if (!parsed.success) throw new Error(`invalid enriched record: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * article-enriched → feeds (Redis), a webhook batch per article event (BullMQ) and partner topics (Kafka).
 * Every effect is idempotent (feed upsert by version, batch job id from article, version, event and
 * endpoints, partner messages keyed by id with a version), so redoing a message after a crash is harmless;
 * the offset is committed only after all of them.
 */
export class FanoutService {
  readonly metrics: Registry;
  /** Kafka and Redis, checked in the background, for /readyz. */
  readonly readiness: Readiness;
  private readonly probe: KafkaProbe;
  readonly registry: SubscriptionRegistry;
  readonly feeds: FeedStore;
  private readonly redis: Redis;
  /**
   * The connection of the per-article hot path (feed store, locks, delivery tracker, embargo hold, the queues it
   * adds to), with auto-pipelining: the articles of a batch are handled at once, so their commands, issued in the
   * same tick, go to Redis in one write instead of one each. The BullMQ workers (blocking commands) keep `redis`.
   */
  private readonly pipelined: Redis;
  /** Each article event's webhook deliveries, one job for all its endpoints. */
  private readonly batchQueue: Queue<WebhookBatchJob>;
  /**
   * The queues it adds to, on `pipelined`: the batches, the hub's, the embargoes', and endpoints' own (whose jobs a
   * newer version may cancel), each made on first use.
   */
  private readonly queues: Queues;
  private readonly hubQueue: Queue;
  private readonly embargoQueue: Queue;
  private embargoWorker?: Worker;
  private backfillWorker?: Worker;
  private readonly embargoes: EmbargoHold;
  private readonly deliveries: DeliveryTracker;
  /** Where each article version's partner messages were written (the console's journey reads them). */
  readonly partnerOffsets: PartnerOffsetLog;
  /** What became of each article event (sent, held, released, dropped), for the console's journey. */
  readonly versionLog: VersionLog;
  private readonly locks: ArticleLocks;
  /** Partner topics made (or being made) by this process: articles handled at once share one creation. */
  private readonly partnerTopics = new Map<string, Promise<void>>();
  private readonly broaderOf = (topicId: string) => iptcVocabulary().broader(topicId);
  private readonly producer: KeyedProducer;
  /** Partner messages of the articles handled at once, one send per partner topic. */
  private readonly partnerSends: CoalescedSends;
  private readonly loop: ConsumerLoop<EnrichedRecord>;
  private readonly topics: ReturnType<typeof topicNames>;
  private readonly kafka;
  private readonly fannedOut: Counter;

  constructor(
    private readonly config: FanoutConfig,
    private readonly logger: Logger,
  ) {
    this.topics = topicNames(config.TOPIC_PREFIX);
    this.kafka = createKafka({
      brokers: brokerList(config.KAFKA_BROKERS),
      clientId: 'syndicate-fanout',
      logger,
      security: kafkaSecurity(config),
    });
    this.producer = new KeyedProducer(this.kafka);
    this.partnerSends = new CoalescedSends(this.producer);
    this.redis = connectRedis(config.REDIS_URL);
    this.probe = new KafkaProbe(
      createKafka({
        brokers: brokerList(config.KAFKA_BROKERS),
        clientId: 'syndicate-fanout',
        logger,
        retry: KAFKA_FAIL_FAST_RETRY,
        security: kafkaSecurity(config),
      }),
    );
    this.readiness = new Readiness({
      checks: { kafka: this.probe.check, redis: redisCheck(this.redis) },
      intervalMs: config.READINESS_INTERVAL_MS,
      logger,
    });
    this.pipelined = connectRedis(config.REDIS_URL, { enableAutoPipelining: true });
    const redis = this.pipelined;
    this.feeds = new FeedStore({ redis, keyPrefix: config.REDIS_KEY_PREFIX, maxItemsPerFeed: config.FEED_MAX_ITEMS });
    this.queues = new Queues({ connection: redis, keyPrefix: config.REDIS_KEY_PREFIX });
    this.hubQueue = this.queues.get(WEBSUB_QUEUE);
    this.embargoQueue = this.queues.get(EMBARGO_QUEUE);
    this.embargoes = new EmbargoHold(redis, this.embargoQueue, config.REDIS_KEY_PREFIX);
    this.batchQueue = this.queues.get(WEBHOOK_BATCH_QUEUE);
    this.deliveries = new DeliveryTracker(redis, config.REDIS_KEY_PREFIX);
    this.partnerOffsets = new PartnerOffsetLog(redis, config.REDIS_KEY_PREFIX);
    this.versionLog = new VersionLog(redis, config.REDIS_KEY_PREFIX);
    this.locks = new ArticleLocks(redis, config.REDIS_KEY_PREFIX);
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
      handleBatch: (messages) => this.processMany(messages.map((m) => m.value)).catch(classifyFailure),
      batchSize: config.FANOUT_BATCH_SIZE,
      partitionsConcurrently: 3, // article-enriched's partitions: each still in order
      metrics: this.metrics,
    });
  }

  /**
   * Events of different articles (the consumer loop never gives one article twice in a call), each under its
   * article's lock, all at once: their Redis commands share writes (see `pipelined`) and their partner messages
   * share sends. Each article's own steps keep their order. The changed feeds are announced once, after every
   * article's feed write. If any article fails, the error is thrown once all have finished (each effect is
   * idempotent, so redoing the ones that succeeded is harmless).
   */
  private async processMany(records: EnrichedRecord[]): Promise<StepResult[]> {
    const changed = new Set<string>();
    const settled = await Promise.allSettled(
      records.map((record) => this.locks.with(recordId(record), () => this.process(record, { changed }))),
    );
    await this.feedsChanged([...changed]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<StepResult>).value);
  }

  /**
   * One event of one article, under that article's lock. `releasing`: an embargoed version whose time has
   * come (from the embargo worker), not a new event. `changed` collects the feeds that changed, for the caller
   * to announce.
   */
  private async process(
    record: EnrichedRecord,
    { releasing = false, changed }: { releasing?: boolean; changed: Set<string> },
  ): Promise<StepResult> {
    const id = recordId(record);
    const version = recordVersion(record);
    const note = (outcome: Parameters<typeof versionOutcome>[1], reason?: string) =>
      this.versionLog.record(id, [versionOutcome(record, outcome, reason)]);
    const stored = await this.feeds.get(id);
    const stale = staleBecause(record, stored);
    if (stale) {
      await note('dropped', stale);
      return drop(stale);
    }
    if (record.type !== 'article.withdrawn' && !releasing) {
      const held = await this.embargoes.heldVersion(id);
      const heldBack = heldBackBecause(version, held);
      if (heldBack) {
        await note('dropped', heldBack);
        return drop(heldBack);
      }
      // A newer version, or a withdrawal, replaces whatever was waiting for its embargo to end.
      await this.embargoes.cancel(id, held);
      if (underEmbargo(record.article)) {
        await Promise.all([this.embargoes.hold(record, new Date(embargoEndsAt(record.article))), note('held')]);
        return ok();
      }
    } else if (record.type === 'article.withdrawn') {
      await this.embargoes.cancel(id); // withdrawn before release: it never leaves
    }
    await this.deliveries.supersede(id, version, (queueName) => this.queues.get(queueName));

    const matched = matchedOn(record, stored);
    const subscribers = matched ? this.registry.match(matched, this.broaderOf) : [];

    await this.enqueueWebhooks(record, webhookEndpoints(record.type, subscribers));
    const sent = await this.sendToPartners(record, subscribers);
    // Where the partner messages went, and that this version went out, are written beside the feed write, in the
    // same pipelined round trip.
    const [changedFeeds] = await Promise.all([
      record.type === 'article.withdrawn'
        ? this.feeds.withdraw(id, version, new Date(record.withdrawnAt))
        : this.feeds.put(record, ...feedsFor(subscribers)),
      this.partnerOffsets.record(id, sent),
      note(releasing ? 'released' : 'sent'),
    ]);
    for (const slug of changedFeeds) changed.add(slug);
    return ok();
  }

  /** Fires when an embargo ends: the held version goes out unless a newer version or a kill came first. */
  private async release(articleId: string, version: number): Promise<string> {
    return this.locks.with(articleId, async () => {
      const held = await this.embargoes.take(articleId, version);
      if (!held) return 'superseded';
      // A release timed by a clock ahead of ours: BullMQ tries again after its backoff.
      if (underEmbargo(held.article)) throw new Error(`embargo of ${articleId} v${version} has not ended on this host's clock`);
      const changed = new Set<string>();
      const result = await this.process(held, { releasing: true, changed });
      await this.feedsChanged([...changed]);
      await this.embargoes.done(articleId, version);
      return result.kind;
    });
  }

  /**
   * Fills one subscription (a new partner or feed) with what `article-enriched` holds since a time: the
   * latest live version of each matching article, through the same effects as live fan-out, each
   * idempotent. Progress is reported on the job; `syndicate replay` shows it.
   */
  private async backfill(job: Job): Promise<BackfillProgress> {
    const parsed = BackfillJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed backfill job: ${parsed.error.message}`);
    const subscription = this.registry.get(parsed.data.subscriptionId);
    if (!subscription) throw new UnrecoverableError(`subscription ${parsed.data.subscriptionId} does not exist`);
    const progress: BackfillProgress = { read: 0, total: 0, delivered: 0 };
    const records = await readEnrichedSince(this.kafka, this.topics.articleEnriched, parsed.data.sinceMs, (read, total) => {
      Object.assign(progress, { read, total });
      void job.updateProgress({ ...progress });
    });
    const changed = new Set<string>();
    for (const record of backfillFor(records, subscription, this.broaderOf)) {
      await this.locks.with(record.article.id, async () => {
        switch (subscription.type) {
          case 'webhook':
            await this.enqueueWebhooks(record, webhookEndpoints(record.type, [subscription]));
            break;
          case 'partner-queue':
            await this.partnerOffsets.record(record.article.id, await this.sendToPartners(record, [subscription]));
            break;
          case 'feed':
            if (await this.feeds.file(record, subscription.slug)) changed.add(subscription.slug);
            break;
        }
      });
      progress.delivered++;
    }
    await this.feedsChanged([...changed]);
    await job.updateProgress({ ...progress });
    return progress;
  }

  /** Feed servers drop their cached copies of these feeds, and the WebSub hub pushes them to subscribers. */
  private async feedsChanged(slugs: string[]) {
    if (slugs.length === 0) return;
    await this.hubQueue.addBulk(slugs.map((slug) => distributeJob(slug)));
    await announceFeedChanges(this.pipelined, this.config.REDIS_KEY_PREFIX, slugs);
  }

  private async enqueueWebhooks(record: EnrichedRecord, endpoints: WebhookSubscription[]) {
    if (endpoints.length === 0) return;
    // Enqueuing the same batch twice (redoing a message after a crash) adds it once: its id is the same.
    const { jobId, data } = webhookBatchJob(record, endpoints, this.config.WEBHOOK_ATTEMPTS);
    await this.batchQueue.add(record.type, data, {
      jobId,
      // Retried only if handing its deliveries over failed (Redis was away); the deliveries retry on their own.
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    await this.deliveries.track(data.articleId, data.version, [{ queueName: WEBHOOK_BATCH_QUEUE, jobId }]);
    this.fannedOut.inc({ channel: 'webhook' }, endpoints.length);
  }

  /**
   * One message per partner and format, keyed by article id, in the partner's format (see partnerMessages). Returns
   * where each was written, for the record the journey reads.
   */
  private async sendToPartners(record: EnrichedRecord, subscribers: Subscription[]): Promise<PartnerOffset[]> {
    const messages = partnerMessages(record, subscribers, (partnerId) => this.topics.partner(partnerId));
    const sent: PartnerOffset[] = [];
    for (const { topic, partnerId, format, message } of messages) {
      // Clusters often refuse to auto-create topics: make each partner's once, on first use.
      let made = this.partnerTopics.get(topic);
      if (!made) {
        made = ensureTopics(this.kafka, [{ topic }]);
        this.partnerTopics.set(topic, made);
        made.catch(() => this.partnerTopics.delete(topic)); // tried again by the next article
      }
      await made;
      const written = await this.partnerSends.send(topic, [message]);
      const at = new Date().toISOString(); // acknowledged
      for (const { partition, offset } of written)
        sent.push({ version: recordVersion(record), type: record.type, partnerId, format, topic, partition, offset, at });
    }
    this.fannedOut.inc({ channel: 'partner' }, messages.length);
    return sent;
  }

  async start(): Promise<void> {
    await redisReady(this.redis);
    await checkRedisDurability(this.redis, this.logger); // refuses a Redis that would evict feed items and jobs
    await ensureTopics(this.kafka, coreTopicSpecs(this.topics));
    await this.registry.start();
    await this.producer.start();
    await this.loop.start();
    // The workers block on Redis: they use `redis`, not `pipelined`.
    const workerConnection = { connection: this.redis, keyPrefix: this.config.REDIS_KEY_PREFIX };
    this.embargoWorker = openWorker<{ articleId: string; version: number }, string>(
      EMBARGO_QUEUE,
      (job) => this.release(job.data.articleId, job.data.version),
      workerConnection,
      { concurrency: 8 },
    );
    this.embargoWorker.on('error', (error) => this.logger.error({ err: error }, 'embargo worker error'));
    this.backfillWorker = openWorker(BACKFILL_QUEUE, (job) => this.backfill(job), workerConnection, {
      concurrency: 1,
      lockDuration: 120_000, // a long backfill must not be taken for a stalled one
    });
    this.backfillWorker.on('error', (error) => this.logger.error({ err: error }, 'backfill worker error'));
    await Promise.all([this.embargoWorker.waitUntilReady(), this.backfillWorker.waitUntilReady()]);
    await this.readiness.start();
    this.logger.info({ topic: this.topics.articleEnriched }, 'fanout consuming');
  }

  /** Consumer first (finishes and commits), then the registry, producer, queue and Redis. */
  async stop(): Promise<void> {
    this.readiness.stop();
    await Promise.all([this.loop.stop(), this.embargoWorker?.close(), this.backfillWorker?.close()]);
    await Promise.allSettled([this.queues.close(), this.registry.stop(), this.producer.stop(), this.probe.stop()]);
    this.redis.disconnect();
    this.pipelined.disconnect();
  }
}
