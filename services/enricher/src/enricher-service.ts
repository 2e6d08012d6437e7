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
  KafkaProbe,
  KeyedProducer,
  ok,
} from '@syndicate/kafka-runtime';
import { createMetricsRegistry, type Logger, Readiness, type Registry } from '@syndicate/observability';
import type { KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import type { EnricherConfig } from './config.js';

/** Decodes a CloudEvent from `article-events` into a validated event; throws with a readable reason. */
export function decodeArticleEvent(message: KafkaMessage): ArticleEvent {
  const { attributes, data } = fromKafkaRecord(message.headers, message.value);
  const parsed = ArticleEvent.safeParse({ type: attributes.type, data });
  if (!parsed.success) throw new Error(`invalid ${attributes.type} event: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** article-events → enrichment → article-enriched. Offsets are committed once the enriched record is written. */
export class EnricherService {
  readonly metrics: Registry;
  /** Kafka (its only dependency), checked in the background, for /readyz. */
  readonly readiness: Readiness;
  private readonly probe: KafkaProbe;
  private readonly producer: KeyedProducer;
  private readonly loop: ConsumerLoop<ArticleEvent>;
  private readonly topics: ReturnType<typeof topicNames>;
  private readonly kafka;

  constructor(
    config: EnricherConfig,
    private readonly logger: Logger,
    private readonly enricher = new Enricher(undefined, { maxChars: config.ENRICH_MAX_CHARS }),
  ) {
    this.topics = topicNames(config.TOPIC_PREFIX);
    this.kafka = createKafka({ brokers: brokerList(config.KAFKA_BROKERS), clientId: 'syndicate-enricher', logger });
    this.producer = new KeyedProducer(this.kafka);
    this.probe = new KafkaProbe(
      createKafka({ brokers: brokerList(config.KAFKA_BROKERS), clientId: 'syndicate-enricher', logger, retry: KAFKA_FAIL_FAST_RETRY }),
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
      // The broker away while writing the result: retried in place, never dead-lettered.
      handle: (event) => this.handle(event).catch(classifyFailure),
      metrics: this.metrics,
    });
  }

  private async handle(event: ArticleEvent) {
    const record: EnrichedRecord =
      event.type === 'article.withdrawn'
        ? { type: event.type, ...event.data }
        : { type: event.type, article: event.data, enrichment: this.enrich(event.data), enrichedAt: new Date().toISOString() };
    const attributes = newEventAttributes({
      source: 'syndicate/enricher',
      type: event.type,
      partitionkey: event.data.id,
      subject: event.data.id,
    });
    await this.producer.send(this.topics.articleEnriched, [toKafkaRecord(attributes, record)]);
    return ok();
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
