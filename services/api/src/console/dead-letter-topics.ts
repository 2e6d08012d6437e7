import { DLQ_HEADERS, normaliseHeaders } from '@syndicate/contracts';
import type { KafkaMessage } from '@syndicate/kafka-runtime';
import type { ApiDeps } from '../deps.js';

/** One message of a Kafka dead-letter topic, with why it is there and where it came from. */
export interface DeadLetterMessage {
  partition: number;
  offset: string;
  key: string | null;
  at: string | null;
  error: string | null;
  stage: string | null;
  originalTopic: string | null;
  originalPartition: string | null;
  originalOffset: string | null;
  /** The message's value as text, cut at 2,000 characters. */
  value: string;
  /** When the console last redrove it (a redrive copies: the message stays in the dead-letter topic). */
  redrivenAt: string | null;
}

const VALUE_SHOWN_CHARS = 2_000;
const DLQ_HEADER_NAMES = new Set<string>(Object.values(DLQ_HEADERS));

/**
 * The Kafka dead-letter topics (`<topic>.dlq`) for the console: the last messages of one, read through
 * kafka-runtime's readTopicToEnd (the whole topic is read, the last `limit` kept: dead-letter topics are meant to
 * stay small), and a redrive that writes a message back to its original topic as it was (key, value, its own
 * headers without the dead-letter ones). A message that failed validation fails again and comes back here.
 */
export class DeadLetterTopics {
  constructor(private readonly deps: ApiDeps) {}

  /** The dead-letter topics there are: one per topic read through a validating consumer loop. */
  topics(): string[] {
    return [`${this.deps.topics.articleEvents}.dlq`, `${this.deps.topics.articleEnriched}.dlq`];
  }

  private redrivenKey = () => `${this.deps.config.REDIS_KEY_PREFIX}console:dlq-redriven`;

  /** The last `limit` messages of a dead-letter topic, newest first. */
  async browse(topic: string, limit: number): Promise<DeadLetterMessage[]> {
    const kept: Array<{ message: KafkaMessage; partition: number }> = [];
    await this.deps.readTopicToEnd(topic, ({ partition, messages }) => {
      for (const message of messages) kept.push({ message, partition });
      // Only the newest `limit` of all the partitions can be shown: the rest is let go as the read goes.
      if (kept.length > limit * 4) {
        kept.sort(byTimeDesc);
        kept.length = limit;
      }
    });
    kept.sort(byTimeDesc);
    const shown = kept.slice(0, limit);
    const redriven = shown.length
      ? await this.deps.redis.hmget(this.redrivenKey(), ...shown.map((m) => `${topic}/${m.partition}/${m.message.offset}`))
      : [];
    return shown.map(({ message, partition }, i) => {
      const headers = normaliseHeaders(message.headers);
      return {
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        at: message.timestamp ? new Date(Number(message.timestamp)).toISOString() : null,
        error: headers[DLQ_HEADERS.error] ?? null,
        stage: headers[DLQ_HEADERS.stage] ?? null,
        originalTopic: headers[DLQ_HEADERS.originalTopic] ?? null,
        originalPartition: headers[DLQ_HEADERS.originalPartition] ?? null,
        originalOffset: headers[DLQ_HEADERS.originalOffset] ?? null,
        value: (message.value?.toString() ?? '').slice(0, VALUE_SHOWN_CHARS),
        redrivenAt: redriven[i] ?? null,
      };
    });
  }

  /**
   * Writes messages of a dead-letter topic back to the topic they came from: one (`partition` and `offset`), or
   * every one not redriven yet. Only to the topic the dead-letter topic is for, whatever a header says.
   */
  async redrive(topic: string, which: { partition: number; offset: string } | 'all'): Promise<{ redriven: number; to: string }> {
    const to = topic.slice(0, -'.dlq'.length);
    const chosen: Array<{ message: KafkaMessage; partition: number }> = [];
    const done = new Set(which === 'all' ? await this.deps.redis.hkeys(this.redrivenKey()) : []);
    await this.deps.readTopicToEnd(topic, ({ partition, messages }) => {
      for (const message of messages) {
        const id = `${topic}/${partition}/${message.offset}`;
        if (which === 'all' ? !done.has(id) : which.partition === partition && which.offset === message.offset) {
          chosen.push({ message, partition });
        }
      }
    });
    if (chosen.length === 0) return { redriven: 0, to };
    await this.deps.producer.send(
      to,
      chosen.map(({ message }) => {
        const headers = Object.entries(normaliseHeaders(message.headers)).filter(
          (e): e is [string, string] => e[1] !== undefined && !DLQ_HEADER_NAMES.has(e[0]),
        );
        return { key: message.key?.toString() ?? '', value: message.value, headers: Object.fromEntries(headers) };
      }),
    );
    const now = new Date().toISOString();
    await this.deps.redis.hset(
      this.redrivenKey(),
      Object.fromEntries(chosen.map((c) => [`${topic}/${c.partition}/${c.message.offset}`, now])),
    );
    return { redriven: chosen.length, to };
  }
}

const byTimeDesc = (a: { message: KafkaMessage }, b: { message: KafkaMessage }) =>
  Number(b.message.timestamp) - Number(a.message.timestamp) || Number(b.message.offset) - Number(a.message.offset);
