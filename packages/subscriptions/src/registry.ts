import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type FeedSubscription, Subscription } from '@syndicate/contracts';
import { type KeyedProducer, retryRetriable } from '@syndicate/kafka-runtime';
import type { Logger } from '@syndicate/observability';
import type { Consumer, Kafka } from 'kafkajs';
import type { BroaderOf } from './matching.js';
import { SubscriptionIndex } from './subscription-index.js';

/**
 * Every subscription, materialised in memory from the compacted `subscriptions` topic (key = id, null value
 * = deleted). Each instance reads the whole topic with a group of its own and follows changes, so every
 * process sees every change in order and a restart rebuilds the same state.
 */
export class SubscriptionRegistry extends EventEmitter<{ change: [Subscription | { id: string; deleted: true }] }> {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly index = new SubscriptionIndex();
  /** Feed reads look feeds up by slug on every request. */
  private readonly feedsBySlug = new Map<string, FeedSubscription>();
  private consumer?: Consumer;

  constructor(private readonly options: { kafka: Kafka; topic: string; logger: Logger; instanceId?: string }) {
    super();
  }

  /** Resolves once everything already on the topic when it was called has been read. */
  async start(): Promise<void> {
    const { kafka, topic, logger } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    const ends = await retryRetriable(() => admin.fetchTopicOffsets(topic)).finally(() => admin.disconnect());
    const pending = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));

    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => {
      caughtUp = resolve;
    });
    if (pending.size === 0) caughtUp();

    // No offsets are committed: every start reads from the beginning, which is what rebuilds the state.
    this.consumer = kafka.consumer({ groupId: `registry-${this.options.instanceId ?? randomUUID()}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        this.apply(message.key?.toString() ?? '', message.value);
        const end = pending.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) {
          pending.delete(partition);
          if (pending.size === 0) caughtUp();
        }
      },
    });
    await ready;
    logger.info({ count: this.subscriptions.size }, 'subscriptions loaded');
  }

  private apply(id: string, value: Buffer | null) {
    if (!id) return;
    const parsed = value === null ? null : Subscription.safeParse(safeJson(value));
    if (parsed && !parsed.success) {
      this.options.logger.error({ id, issues: parsed.error.issues }, 'ignoring an invalid subscription record');
      return;
    }
    const previous = this.subscriptions.get(id);
    if (previous?.type === 'feed') this.feedsBySlug.delete(previous.slug);
    if (parsed === null) {
      this.index.remove(id);
      this.subscriptions.delete(id);
      this.emit('change', { id, deleted: true });
      return;
    }
    this.subscriptions.set(id, parsed.data);
    this.index.put(parsed.data);
    if (parsed.data.type === 'feed') this.feedsBySlug.set(parsed.data.slug, parsed.data);
    this.emit('change', parsed.data);
  }

  get(id: string): Subscription | undefined {
    return this.subscriptions.get(id);
  }

  /** The subscriptions an article matches, through the index (see SubscriptionIndex). */
  match(record: Parameters<SubscriptionIndex['match']>[0], broaderOf?: BroaderOf): Subscription[] {
    return this.index.match(record, broaderOf);
  }

  feedBySlug(slug: string): FeedSubscription | undefined {
    return this.feedsBySlug.get(slug);
  }

  all(): Subscription[] {
    return [...this.subscriptions.values()];
  }

  ofType<T extends Subscription['type']>(type: T): Array<Extract<Subscription, { type: T }>> {
    return this.all().filter((s): s is Extract<Subscription, { type: T }> => s.type === type);
  }

  /** Resolves when the subscription is known here (or rejects after `timeoutMs`): read-your-writes for callers. */
  waitFor(id: string, timeoutMs = 10_000): Promise<Subscription> {
    const known = this.subscriptions.get(id);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('change', onChange);
        reject(new Error(`subscription ${id} not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      const onChange = (change: Subscription | { id: string; deleted: true }) => {
        if (change.id !== id || 'deleted' in change) return;
        clearTimeout(timer);
        this.off('change', onChange);
        resolve(change);
      };
      this.on('change', onChange);
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}

/** Writes subscription records; the registry of every instance (this one included) picks them up. */
export class SubscriptionWriter {
  constructor(
    private readonly producer: KeyedProducer,
    private readonly topic: string,
  ) {}

  put(subscription: Subscription): Promise<void> {
    return this.producer.send(this.topic, [{ key: subscription.id, value: JSON.stringify(subscription), headers: {} }]);
  }

  /** A tombstone: compaction eventually removes the record altogether. */
  delete(id: string): Promise<void> {
    return this.producer.send(this.topic, [{ key: id, value: null, headers: {} }]);
  }
}

function safeJson(value: Buffer): unknown {
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
}
