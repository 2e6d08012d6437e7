/**
 * What this package's own integration tests need of the broker at KAFKA_BROKERS. Not taken from
 * @syndicate/test-support: that package builds on this one (its clients and producer are made here), so
 * importing it back would make a dependency cycle. Not exported from the package.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@syndicate/observability';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createKafka } from './client.js';
import { readTopicToEnd } from './read-to-end.js';

export const testLogger = () => createLogger('kafka-runtime-test', process.env.LOG_LEVEL ?? 'warn');

export function testKafka(): Kafka {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
  return createKafka({ brokers, clientId: 'kafka-runtime-test', logger: testLogger() });
}

/** A name no other test run uses, for a topic or a consumer group. */
export const uniqueName = (what: string) => `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}.${what}`;

/** Everything the topic holds now, each partition in order. */
export async function readAll(kafka: Kafka, topic: string): Promise<Array<KafkaMessage & { partition: number }>> {
  const messages: Array<KafkaMessage & { partition: number }> = [];
  await readTopicToEnd(kafka, topic, (batch) => {
    for (const message of batch.messages) messages.push({ ...message, partition: batch.partition });
  });
  return messages;
}
