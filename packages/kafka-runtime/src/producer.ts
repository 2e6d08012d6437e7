import type { KafkaRecord } from '@syndicate/contracts';
import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/**
 * Sends records keyed by article id, so every event of one article lands on one partition, in order.
 * Idempotent: a retried send after a lost acknowledgement is not written twice.
 */
export class KeyedProducer {
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  start(): Promise<void> {
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  /** Resolves once every replica the topic requires has the records. */
  async send(topic: string, records: Array<Omit<KafkaRecord, 'value'> & { value: Buffer | string | null }>): Promise<void> {
    await this.start();
    await this.producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
    });
  }

  async stop(): Promise<void> {
    if (!this.connected) return;
    this.connected = undefined;
    await this.producer.disconnect();
  }
}
