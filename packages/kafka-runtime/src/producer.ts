import type { KafkaRecord } from '@syndicate/contracts';
import { type Kafka, type Message, Partitioners, type Producer, type RecordMetadata, type RetryOptions } from 'kafkajs';
import { isInfrastructureError, succeeded } from './results.js';

/**
 * The broker could not take a write (it is down, unreachable, or did not answer in time). Exists so that the
 * API can answer 503 with Retry-After rather than 500, and so that consumer loops retry rather than
 * dead-letter. Nothing is known to be written; a send that timed out may still land (see KeyedProducer).
 */
export class BusUnavailableError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    /** When a client may try again. */
    readonly retryAfterSeconds = 2,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

export interface KeyedProducerOptions {
  /** kafkajs' retries of one send (default: the client's). Keep their total under `sendTimeoutMs`. */
  retry?: RetryOptions;
  /**
   * A send that has not been acknowledged by then fails with BusUnavailableError (default: none, kafkajs'
   * retries alone bound it). Also the broker's wait for the in-sync replicas (acks=all).
   */
  sendTimeoutMs?: number;
  /** True while the broker is known to be down (a readiness probe): sends then fail at once, writing nothing. */
  knownDown?: () => boolean;
}

interface SendState {
  producer?: Producer;
  abandoned?: boolean;
}

type Records = Array<Omit<KafkaRecord, 'value'> & { value: Buffer | string | null }>;

/** Where the broker wrote one record of a send. */
export interface ProducedRecord {
  topic: string;
  /** -1 (and offset '-1') when the broker's answer did not say: written, but where is unknown. */
  partition: number;
  /** Int64, as a decimal string (kafkajs' convention). */
  offset: string;
}

/** A record written where the broker's answer does not say (see ProducedRecord). */
export const UNKNOWN_POSITION = { partition: -1, offset: '-1' } as const;

/**
 * Sends records keyed by article id, so every event of one article lands on one partition, in order.
 * Idempotent: a retried send after a lost acknowledgement is not written twice.
 *
 * A send that fails for the broker's sake throws BusUnavailableError and retires the kafkajs producer: the
 * next send makes a new one, with a new producer id. kafkajs takes a failed batch's sequence numbers back, so
 * if that batch did reach the broker after all, the same producer's next batch would reuse its numbers and be
 * dropped by the broker as a duplicate: a write acknowledged but lost.
 */
export class KeyedProducer {
  private producer?: Producer;
  private connected?: Promise<void>;
  /**
   * The partition kafkajs' partitioner chose for each message object of a send: the broker answers with the first
   * offset it gave each partition, and a message's offset is that plus its place among its partition's messages.
   */
  private readonly partitionOf = new WeakMap<Message, number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KeyedProducerOptions = {},
  ) {}

  private create(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: () => {
        const choose = Partitioners.DefaultPartitioner();
        return (args) => {
          const partition = choose(args);
          this.partitionOf.set(args.message, partition);
          return partition;
        };
      },
      ...(this.options.retry ? { retry: this.options.retry } : {}),
    });
  }

  start(): Promise<void> {
    if (!this.connected) {
      const producer = this.create();
      this.producer = producer;
      // A failed connection is forgotten, so the next send tries again rather than failing for ever.
      this.connected = producer.connect().catch((error: unknown) => {
        this.retire(producer);
        throw error;
      });
    }
    return this.connected;
  }

  /** Resolves once every replica the topic requires has the records, with where each was written, in their order. */
  async send(topic: string, records: Records): Promise<ProducedRecord[]> {
    const { knownDown, sendTimeoutMs } = this.options;
    if (knownDown?.()) throw new BusUnavailableError('the message bus is down: nothing was sent');
    const used: SendState = {};
    const work = this.sendNow(topic, records, used);
    if (sendTimeoutMs === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new BusUnavailableError(`the message bus did not acknowledge within ${sendTimeoutMs} ms`)),
        sendTimeoutMs,
      );
    });
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      used.abandoned = true; // still connecting: it must not send after its caller was told it failed
      // Given up on: the producer it used must not send again (see the class comment).
      if (error instanceof BusUnavailableError && used.producer) this.retire(used.producer);
      work.catch(() => {}); // it ends on its own (kafkajs' retries are bounded); nobody waits for it
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** `used` learns which kafkajs producer the send went through, and tells it when its caller gave up. */
  private async sendNow(topic: string, records: Records, used: SendState): Promise<ProducedRecord[]> {
    try {
      await this.start();
    } catch (error) {
      throw unavailable(error);
    }
    if (used.abandoned) throw new BusUnavailableError('given up while connecting: nothing was sent');
    const producer = this.producer as Producer;
    used.producer = producer;
    const produced: ProducedRecord[] = [];
    try {
      for (const chunk of bySize(records, MAX_SEND_BYTES)) {
        const messages: Message[] = chunk.map((r) => ({ key: r.key, value: r.value, headers: r.headers }));
        const written = await producer.send({
          topic,
          acks: -1,
          ...(this.options.sendTimeoutMs !== undefined ? { timeout: this.options.sendTimeoutMs } : {}),
          messages,
        });
        produced.push(...this.positions(topic, messages, written));
      }
      return produced;
    } catch (error) {
      if (!isInfrastructureError(error)) throw error; // the records' fault (too large, say): not the broker's
      this.retire(producer);
      throw unavailable(error);
    }
  }

  /**
   * Each message's partition and offset. kafkajs sends a partition's messages of one send as one batch, in the order
   * given, and the broker numbers a batch's records from the `baseOffset` it answers for that partition.
   */
  private positions(topic: string, messages: Message[], written: RecordMetadata[]): ProducedRecord[] {
    const base = new Map(written.map((w) => [w.partition, BigInt(w.baseOffset ?? w.offset ?? '-1')]));
    const next = new Map<number, bigint>();
    return messages.map((message) => {
      const partition = this.partitionOf.get(message);
      const first = partition === undefined ? undefined : base.get(partition);
      // The send succeeded, so the records are written: not knowing where must not fail them (a thrown error
      // here would read as the records' fault and dead-letter an article that went out).
      if (partition === undefined || first === undefined || first < 0n) return { topic, ...UNKNOWN_POSITION };
      const offset = next.get(partition) ?? first;
      next.set(partition, offset + 1n);
      return { topic, partition, offset: offset.toString() };
    });
  }

  /** Forgets a producer (once), disconnecting it in the background; the next send makes a new one. */
  private retire(producer: Producer) {
    if (this.producer !== producer) return;
    this.producer = undefined;
    this.connected = undefined;
    producer.disconnect().catch(() => {});
  }

  async stop(): Promise<void> {
    const producer = this.producer;
    if (!producer) return;
    const connected = this.connected;
    this.producer = undefined;
    this.connected = undefined;
    if (connected && (await succeeded(connected))) await producer.disconnect();
  }
}

function unavailable(error: unknown): BusUnavailableError {
  if (error instanceof BusUnavailableError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new BusUnavailableError(`the message bus is unavailable: ${reason}`, undefined, { cause: error });
}

/**
 * Bytes of values a send carries at most: a partition's records go to the broker as one batch, and a batch
 * over the broker's `message.max.bytes` (1 MiB by default) is refused whole, so a large batch (500 long
 * articles) goes as several sends, in order.
 */
const MAX_SEND_BYTES = 768 * 1_024;

function* bySize(records: Records, maxBytes: number): Generator<Records> {
  let chunk: Records = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.value === null ? 0 : typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
