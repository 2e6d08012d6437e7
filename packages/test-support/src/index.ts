import { randomBytes } from 'node:crypto';
import { brokerList, Keyring } from '@syndicate/config';
import type { EnrichedArticle } from '@syndicate/contracts';
import { createKafka, type Kafka, KeyedProducer } from '@syndicate/kafka-runtime';
import { createLogger } from '@syndicate/observability';
import { connectRedis, type Redis, type RedisOptions } from '@syndicate/redis-runtime';

export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A fresh name space per test: topics, consumer groups, Redis keys and queues never collide. `env` is what
 * a service's config needs to live in it, a secret key of its own included (`keyring` opens what the
 * services seal with it).
 */
export function isolation() {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const topicPrefix = `${id}.`;
  const redisKeyPrefix = `test:${id}:`;
  const secretKey = Keyring.generateEntry('test1');
  return {
    id,
    topicPrefix,
    redisKeyPrefix,
    keyring: Keyring.parse(secretKey),
    env: {
      KAFKA_BROKERS,
      REDIS_URL,
      TOPIC_PREFIX: topicPrefix,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      SYNDICATE_SECRET_KEY: secretKey,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
  };
}

export const testLogger = (name = 'test') => createLogger(name, process.env.LOG_LEVEL ?? 'warn');

export function testKafka(clientId = 'syndicate-test'): Kafka {
  return createKafka({ brokers: brokerList(KAFKA_BROKERS), clientId, logger: testLogger('kafka') });
}

export function testRedis(options: RedisOptions = {}): Redis {
  return connectRedis(REDIS_URL, options);
}

export async function testProducer(kafka: Kafka): Promise<KeyedProducer> {
  const producer = new KeyedProducer(kafka);
  await producer.start();
  return producer;
}

/** Deletes every key under a test's prefix, so a shared Redis keeps nothing of ours. */
export async function cleanRedis(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export interface ReadMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** Reads a topic from the beginning with a throw-away group until `count` messages have arrived. */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 20_000): Promise<ReadMessage[]> {
  const collector = await collectTopic(kafka, topic);
  try {
    await eventually(() => (collector.messages.length >= count ? true : undefined), timeoutMs, `${count} messages from ${topic}`);
    return [...collector.messages];
  } finally {
    await collector.stop();
  }
}

export { ninjsValidator } from './ninjs.js';
export { type ReceivedRequest, startWebhookReceiver } from './webhook-receiver.js';

/** Collects every message of a topic as it arrives, from the beginning, until `stop()`. */
export async function collectTopic(kafka: Kafka, topic: string) {
  const consumer = kafka.consumer({ groupId: `collector-${randomBytes(6).toString('hex')}`, maxWaitTimeInMs: 100 });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = value.toString();
      messages.push({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers,
        partition,
        offset: message.offset,
      });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

/** A minimal enriched article of our own making; `article` overrides any field of the article. */
export function enrichedArticle(id: string, version = 1, article: Partial<EnrichedArticle['article']> = {}): EnrichedArticle {
  const now = new Date().toISOString();
  return {
    type: version === 1 ? 'article.published' : 'article.updated',
    article: {
      id,
      version,
      headline: `${id} v${version}`,
      body: [`Text of ${id}, version ${version}.`],
      authors: [],
      categories: [],
      tags: [],
      images: [],
      language: 'en',
      publishedAt: now,
      source: 'test',
      ...article,
    },
    enrichment: { entities: [], topics: [], language: 'en', wordCount: 5, summary: `${id} v${version}`, engine: 'test' },
    enrichedAt: now,
  };
}
export { freePort, ownKafka, ownRedis } from './own-infra.js';
