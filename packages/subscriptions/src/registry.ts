import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Keyring, KeyringError } from '@syndicate/config';
import { type FeedSubscription, Subscription } from '@syndicate/contracts';
import { type Consumer, KAFKA_RETRY, type Kafka, type KeyedProducer, readTopicToEnd, restartOnCrash } from '@syndicate/kafka-runtime';
import type { Logger } from '@syndicate/observability';
import type { BroaderOf } from './matching.js';
import { openSubscription, sealSubscription, secretsAtRest } from './sealed-records.js';
import { SubscriptionIndex } from './subscription-index.js';

/** What a registry announces: a subscription as it now is, or the end of one (with what it was, if known here). */
export type SubscriptionChange = Subscription | { id: string; deleted: true; previous?: Subscription };

/**
 * Every subscription, materialised in memory from the compacted `subscriptions` topic (key = id, null value
 * = deleted). Each instance reads the whole topic with a group of its own and follows changes, so every
 * process sees every change in order and a restart rebuilds the same state. Given the keyring, it opens the
 * webhook secrets sealed on the topic (see sealSubscription); without it they stay sealed, which suits a
 * process that never signs.
 */
export class SubscriptionRegistry extends EventEmitter<{ change: [SubscriptionChange] }> {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly index = new SubscriptionIndex();
  /** Feed reads look feeds up by slug on every request. */
  private readonly feedsBySlug = new Map<string, FeedSubscription>();
  /** How each record keeps its secrets on the topic (plain, or the key that sealed them), for the start-up report. */
  private readonly atRest = new Map<string, string[]>();
  private consumer?: Consumer;
  private cancelRestart?: () => void;

  constructor(private readonly options: { kafka: Kafka; topic: string; logger: Logger; instanceId?: string; keyring?: Keyring }) {
    super();
  }

  /**
   * Resolves once everything already on the topic when it was called has been read, and follows the topic
   * from there. Every start reads it from the beginning (that is what rebuilds the state); nothing is committed.
   */
  async start(): Promise<void> {
    const { kafka, topic } = this.options;
    const { ends } = await readTopicToEnd(
      kafka,
      topic,
      ({ messages }) => {
        for (const message of messages) this.apply(message.key?.toString() ?? '', message.value);
      },
      { groupPrefix: 'registry-load' },
    );
    this.reportSecretsAtRest();

    /** The next offset of each partition, so that every join goes on from what was applied (see below). */
    const next = new Map(ends.map((e) => [e.partition, e.offset]));
    const consumer = kafka.consumer({
      groupId: `registry-${this.options.instanceId ?? randomUUID()}`,
      maxWaitTimeInMs: 100,
      retry: KAFKA_RETRY, // rides out a broker outage as the same member (see KAFKA_RETRY)
    });
    this.consumer = consumer;
    // The group commits nothing: without these seeks a join (after a restart, or a rebalance) would start from
    // the beginning and announce every subscription again.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, offset] of next) consumer.seek({ topic, partition, offset });
    });
    const run = () =>
      consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          this.apply(message.key?.toString() ?? '', message.value);
          next.set(partition, (BigInt(message.offset) + 1n).toString());
        },
      });
    // Changes made while the broker was away arrive once it is back, without a restart of the process.
    this.cancelRestart = restartOnCrash(consumer, run, { logger: this.options.logger, stopped: () => this.consumer !== consumer });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await run();
  }

  /** Plain secrets left from before sealing, or secrets sealed with a key other than the first, are worth a warning. */
  private reportSecretsAtRest() {
    const counts: Record<string, number> = {};
    for (const kinds of this.atRest.values()) for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
    const { logger, keyring } = this.options;
    const stale = Object.keys(counts).filter((kind) => kind === 'plain' || (keyring && kind !== `key:${keyring.primaryId}`));
    const fields = { count: this.subscriptions.size, secretsAtRest: counts };
    if (stale.length === 0) logger.info(fields, 'subscriptions loaded');
    else
      logger.warn(fields, 'subscriptions loaded; some secrets are plain or sealed with an older key until their records are written again');
  }

  private apply(id: string, value: Buffer | null) {
    if (!id) return;
    let parsed: ReturnType<typeof Subscription.safeParse> | null = null;
    if (value !== null) {
      const record = safeJson(value);
      try {
        parsed = Subscription.safeParse(openSubscription(record, this.options.keyring));
      } catch (error) {
        if (!(error instanceof KeyringError)) throw error;
        this.options.logger.error({ id, reason: error.message }, 'ignoring a subscription whose secret does not open');
        return;
      }
      if (parsed.success) this.atRest.set(id, secretsAtRest(record));
    }
    if (parsed && !parsed.success) {
      this.options.logger.error({ id, issues: parsed.error.issues }, 'ignoring an invalid subscription record');
      return;
    }
    const previous = this.subscriptions.get(id);
    if (previous?.type === 'feed') this.feedsBySlug.delete(previous.slug);
    if (parsed === null) {
      this.index.remove(id);
      this.subscriptions.delete(id);
      this.atRest.delete(id);
      this.emit('change', { id, deleted: true, ...(previous ? { previous } : {}) });
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

  /**
   * Resolves when the subscription is known here (or rejects after `timeoutMs`): read-your-writes for callers.
   * `until` waits for a particular version of it (an update written a moment ago).
   */
  waitFor(id: string, timeoutMs = 10_000, until: (subscription: Subscription) => boolean = () => true): Promise<Subscription> {
    const known = this.subscriptions.get(id);
    if (known && until(known)) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('change', onChange);
        reject(new Error(`subscription ${id} not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      const onChange = (change: SubscriptionChange) => {
        if (change.id !== id || 'deleted' in change || !until(change)) return;
        clearTimeout(timer);
        this.off('change', onChange);
        resolve(change);
      };
      this.on('change', onChange);
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.cancelRestart?.();
    await consumer?.disconnect();
  }
}

/**
 * Writes subscription records; the registry of every instance (this one included) picks them up. With the
 * keyring (every service passes it) webhook secrets are sealed and feed tokens hashed on the way; without it
 * (tests writing records as older versions did) records are written as given.
 */
export class SubscriptionWriter {
  constructor(
    private readonly producer: KeyedProducer,
    private readonly topic: string,
    private readonly keyring?: Keyring,
  ) {}

  async put(subscription: Subscription): Promise<void> {
    const record = this.keyring ? sealSubscription(subscription, this.keyring) : subscription;
    await this.producer.send(this.topic, [{ key: subscription.id, value: JSON.stringify(record), headers: {} }]);
  }

  /** A tombstone: compaction eventually removes the record altogether. */
  async delete(id: string): Promise<void> {
    await this.producer.send(this.topic, [{ key: id, value: null, headers: {} }]);
  }
}

function safeJson(value: Buffer): unknown {
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
}
