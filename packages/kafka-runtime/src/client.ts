import { deadLetterTopic } from '@syndicate/contracts';
import type { Logger } from '@syndicate/observability';
import kafkajs, { type Admin, type ITopicConfig, Kafka, logLevel as KafkaLogLevel, type LogEntry, type RetryOptions } from 'kafkajs';
import { succeeded } from './results.js';
import type { KafkaSecurity } from './security.js';

// The kafkajs names other packages need, so that kafkajs is imported here only.
export type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
/** Read off the CommonJS module: Node's ESM loader cannot find this export of kafkajs by name (compiled code). */
export const ConfigResourceTypes = kafkajs.ConfigResourceTypes;

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/**
 * Answers a broker gives while it or a group settles (just started, a leader or coordinator moving): kafkajs
 * logs each at ERROR and then retries it, so on a healthy start they would read as failures. They are logged
 * at WARN; one that does not settle ends in an error our own code reports.
 */
const SETTLING = [
  'The coordinator is loading',
  'The group coordinator is not available',
  'There is no leader for this topic-partition',
  'This server is not the leader for that topic-partition',
  'This server does not host this topic-partition', // a topic just created, its metadata not yet everywhere
  'The group is rebalancing',
  'Leader not available',
];
/** Warnings about choices made here on purpose (retries are capped: see KAFKA_RETRY): logged at DEBUG. */
const CHOSEN = ['Limiting retries for the idempotent producer may invalidate EoS guarantees'];

/**
 * Services starting together race to create the same topics: the losers' CreateTopics answers "already exists",
 * which kafkajs logs at ERROR and then takes as done (createTopics returns false); a real failure is thrown to
 * ensureTopics and reported by the service.
 */
const RACED = 'Topic creation errors';

function levelOf(level: number, message: string, error: unknown): 'error' | 'warn' | 'info' | 'debug' {
  if (CHOSEN.includes(message)) return 'debug';
  if (error === RACED) return 'warn';
  if (level === KafkaLogLevel.ERROR && typeof error === 'string' && SETTLING.some((text) => error.startsWith(text))) return 'warn';
  return LEVELS[level] ?? 'info';
}

/**
 * kafkajs' own backoff settings. Every wait is capped at `maxRetryTime`, so a client whose broker has just come
 * back tries it again within a second (kafkajs' default cap is 30 s: consumers took up to 40 s to resume after
 * a broker restart). The count is about a minute of waiting: a consumer rides out a shorter outage without
 * crashing, so it keeps its group membership and resumes at once when the broker is back (after a crash it would
 * join as a new member, and the broker would first wait out the old member's session). Consumers must be given
 * it explicitly (`retry: KAFKA_RETRY`): kafkajs gives them 5 retries otherwise.
 */
export const KAFKA_RETRY: RetryOptions = { initialRetryTime: 200, maxRetryTime: 1_000, retries: 60 };

/**
 * For callers that must answer quickly (an HTTP request waiting on a produce, a readiness probe): three quick
 * retries, about 0.7 s of waiting in all, enough for a leader moving but not for a broker that is gone.
 */
export const KAFKA_FAIL_FAST_RETRY: RetryOptions = { initialRetryTime: 100, maxRetryTime: 400, retries: 3 };

export interface CreateKafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Default KAFKA_RETRY. Also bounds reconnecting to a broker, for every producer, consumer and admin of the client. */
  retry?: RetryOptions;
  /** How long a request may wait for its answer (kafkajs default 30 s). */
  requestTimeoutMs?: number;
  /** How long connecting to a broker may take (kafkajs default 1 s). */
  connectionTimeoutMs?: number;
  /** TLS and SASL for a secured cluster: `kafkaSecurity(config)`. */
  security?: KafkaSecurity;
}

/** A kafkajs client whose logs go through our JSON logger instead of its own console output. */
export function createKafka(options: CreateKafkaOptions): Kafka {
  const kafkaLogger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // kafkajs logs routine rebalances and reconnects at ERROR; WARN and up keeps real trouble visible.
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        kafkaLogger[levelOf(level, message, rest.error)]({ ...rest, namespace: log.namespace }, message);
      },
    retry: options.retry ?? KAFKA_RETRY,
    ...options.security,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
    ...(options.connectionTimeoutMs !== undefined ? { connectionTimeout: options.connectionTimeoutMs } : {}),
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** e.g. `{ 'cleanup.policy': 'compact' }` */
  config?: Record<string, string>;
}

export interface EnsureTopicsOptions {
  /**
   * Replicas of each topic created. Default: `KAFKA_REPLICATION_FACTOR` when set, otherwise 3 on a
   * cluster of three brokers or more, else as many as there are (1 on the local single broker).
   */
  replicationFactor?: number;
}

/**
 * Creates the topics that do not exist yet; existing ones are left as they are (their replication too).
 * At replication factor 3 or more a new topic also gets `min.insync.replicas=2` (unless its spec sets it),
 * so an acks=all write survives a broker down and is never acknowledged by a single copy.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[], options: EnsureTopicsOptions = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await retryRetriable(() => admin.listTopics()));
    const absent = specs.filter((s) => !existing.has(s.topic));
    if (absent.length === 0) return;
    const replicationFactor =
      options.replicationFactor ??
      replicationFactorFromEnv() ??
      // Brokers alive now: a cluster of three with one down gets RF 2 rather than a failed start.
      Math.min(3, (await retryRetriable(() => admin.describeCluster())).brokers.length);
    const missing: ITopicConfig[] = absent.map((s) => ({
      topic: s.topic,
      numPartitions: s.numPartitions ?? 3,
      replicationFactor,
      configEntries: Object.entries({ ...durabilityConfig(replicationFactor), ...s.config }).map(([name, value]) => ({ name, value })),
    }));
    await retryRetriable(() => admin.createTopics({ topics: missing, waitForLeaders: true }));
  } finally {
    await admin.disconnect();
  }
}

/** Topic settings that go with a replication factor: two in-sync copies (of 3+) before acks=all succeeds. */
export function durabilityConfig(replicationFactor: number): Record<string, string> {
  return replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {};
}

/** `KAFKA_REPLICATION_FACTOR`, read when topics are created (not at import), so tests can set it. */
function replicationFactorFromEnv(env = process.env): number | undefined {
  const raw = env.KAFKA_REPLICATION_FACTOR;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`KAFKA_REPLICATION_FACTOR must be a positive integer, not '${raw}'`);
  return value;
}

/** Settings for topics whose latest value per key is the state (`article-enriched`, `subscriptions`). */
export const COMPACTED = { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' } as const;

/** The topics every deployment has, with their dead-letter topics; each service ensures them on start. */
export function coreTopicSpecs(names: { articleEvents: string; articleEnriched: string; subscriptions: string }): TopicSpec[] {
  return [
    { topic: names.articleEvents },
    { topic: deadLetterTopic(names.articleEvents) },
    { topic: names.articleEnriched, config: COMPACTED },
    { topic: deadLetterTopic(names.articleEnriched) },
    // One partition: subscription changes are few and must be read in one total order.
    { topic: names.subscriptions, numPartitions: 1, config: COMPACTED },
  ];
}

/**
 * Retries an admin call while Kafka says the error is retriable (a fresh topic's leader not yet known,
 * a coordinator moving), so a service starting right after its topics were created does not fail.
 */
export async function retryRetriable<T>(call: () => Promise<T>, attempts = 10, delayMs = 300): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs * attempt));
    }
  }
}

/**
 * A readiness check of the brokers: a metadata request through an admin client of its own. Give it a client
 * made with KAFKA_FAIL_FAST_RETRY, so a dead broker is called down in well under a second rather than after
 * kafkajs' reconnect attempts. A check still running is shared, not repeated, so a hung broker is asked once.
 */
export class KafkaProbe {
  private readonly admin: Admin;
  private connected?: Promise<void>;
  private running?: Promise<void>;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin({ retry: { retries: 0 } });
  }

  /** Resolves when a broker answers a metadata request. */
  readonly check = (): Promise<void> => {
    this.running ??= this.describe().finally(() => {
      this.running = undefined;
    });
    return this.running;
  };

  private async describe(): Promise<void> {
    // A failed connection is forgotten, so the next check tries again instead of failing for ever.
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    await this.admin.describeCluster();
  }

  async stop(): Promise<void> {
    if (this.connected && (await succeeded(this.connected))) await this.admin.disconnect();
    this.connected = undefined;
  }
}
