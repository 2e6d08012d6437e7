import { brokerList } from '@syndicate/config';
import {
  type ArticleData,
  ArticleEvent,
  type EnrichedRecord,
  fromKafkaRecord,
  newEventAttributes,
  toKafkaRecord,
  topicNames,
} from '@syndicate/contracts';
import { Enricher } from '@syndicate/enrichment';
import {
  ConsumerLoop,
  classifyFailure,
  coreTopicSpecs,
  createKafka,
  ensureTopics,
  KAFKA_FAIL_FAST_RETRY,
  type KafkaMessage,
  KafkaProbe,
  KeyedProducer,
  kafkaSecurity,
  ok,
  type StepResult,
} from '@syndicate/kafka-runtime';
import { createMetricsRegistry, type Logger, Readiness, type Registry } from '@syndicate/observability';
import { z } from 'zod';
import type { EnricherConfig } from './config.js';

/** Decodes a CloudEvent from `article-events` into a validated event; throws with a readable reason. */
export function decodeArticleEvent(message: KafkaMessage): TimedArticleEvent {
  const { attributes, data } = fromKafkaRecord(message.headers, message.value);
  const parsed = ArticleEvent.safeParse({ type: attributes.type, data });
  if (!parsed.success) throw new Error(`invalid ${attributes.type} event: ${z.prettifyError(parsed.error)}`);
  return { ...parsed.data, time: attributes.time };
}

/** An article event with its CloudEvent `time` ('' when the producer sent none), carried on as the record's `eventTime`. */
export type TimedArticleEvent = ArticleEvent & { time: string };

/**
 * article-events → enrichment → article-enriched. Messages come several at a time (ENRICH_BATCH_SIZE of a
 * partition); each batch's enriched records go out in one producer send, and its offsets are committed once they
 * are written.
 */
export class EnricherService {
  readonly metrics: Registry;
  /** Kafka (its only dependency), checked in the background, for /readyz. */
  readonly readiness: Readiness;
  private readonly probe: KafkaProbe;
  private readonly producer: KeyedProducer;
  private readonly loop: ConsumerLoop<TimedArticleEvent>;
  private readonly topics: ReturnType<typeof topicNames>;
  private readonly kafka;

  constructor(
    config: EnricherConfig,
    private readonly logger: Logger,
    private readonly enricher = new Enricher(undefined, { maxChars: config.ENRICH_MAX_CHARS }),
  ) {
    this.topics = topicNames(config.TOPIC_PREFIX);
    this.kafka = createKafka({
      brokers: brokerList(config.KAFKA_BROKERS),
      clientId: 'syndicate-enricher',
      logger,
      security: kafkaSecurity(config),
    });
    this.producer = new KeyedProducer(this.kafka);
    this.probe = new KafkaProbe(
      createKafka({
        brokers: brokerList(config.KAFKA_BROKERS),
        clientId: 'syndicate-enricher',
        logger,
        retry: KAFKA_FAIL_FAST_RETRY,
        security: kafkaSecurity(config),
      }),
    );
    this.readiness = new Readiness({ checks: { kafka: this.probe.check }, intervalMs: config.READINESS_INTERVAL_MS, logger });
    this.metrics = createMetricsRegistry('enricher');
    this.loop = new ConsumerLoop({
      kafka: this.kafka,
      groupId: config.ENRICHER_GROUP_ID,
      topics: [this.topics.articleEvents],
      producer: this.producer,
      logger,
      decode: decodeArticleEvent,
      handleBatch: (messages) => this.handleMany(messages.map((m) => m.value)),
      batchSize: config.ENRICH_BATCH_SIZE,
      // article-events' partitions: one's batch is enriched while another's records are being written.
      partitionsConcurrently: 3,
      metrics: this.metrics,
    });
  }

  /** Enriches each event, then writes all the records in one send (the broker away: retried in place, never dead-lettered). */
  private async handleMany(events: TimedArticleEvent[]): Promise<StepResult[]> {
    const records = events.map((event) => this.enrichedRecord(event));
    await this.producer.send(this.topics.articleEnriched, records).catch(classifyFailure);
    return events.map(() => ok());
  }

  private enrichedRecord(event: TimedArticleEvent) {
    const record: EnrichedRecord =
      event.type === 'article.withdrawn'
        ? { type: event.type, ...event.data }
        : {
            type: event.type,
            article: event.data,
            enrichment: this.enrich(event.data),
            enrichedAt: new Date().toISOString(),
            ...(Date.parse(event.time) ? { eventTime: new Date(event.time).toISOString() } : {}),
          };
    const attributes = newEventAttributes({
      source: 'syndicate/enricher',
      type: event.type,
      partitionkey: event.data.id,
      subject: event.data.id,
    });
    return toKafkaRecord(attributes, record);
  }

  private enrich(article: ArticleData) {
    const enrichment = this.enricher.enrich(article);
    if (enrichment.truncatedAt !== undefined) {
      this.logger.warn(
        { articleId: article.id, truncatedAt: enrichment.truncatedAt },
        'article longer than ENRICH_MAX_CHARS: entities and topics from its start',
      );
    }
    return enrichment;
  }

  async start(): Promise<void> {
    await ensureTopics(this.kafka, coreTopicSpecs(this.topics));
    await this.producer.start();
    await this.loop.start();
    await this.readiness.start();
    this.logger.info({ topic: this.topics.articleEvents }, 'enricher consuming');
  }

  /** Consumer first (finishes the message in hand and commits), then the producer. */
  async stop(): Promise<void> {
    this.readiness.stop();
    await this.loop.stop();
    await Promise.allSettled([this.producer.stop(), this.probe.stop()]);
  }
}
