import { setTimeout as sleep } from 'node:timers/promises';
import { DLQ_HEADERS, deadLetterTopic, normaliseHeaders } from '@syndicate/contracts';
import { Counter, type Logger, type Registry } from '@syndicate/observability';
import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { KAFKA_RETRY } from './client.js';
import { restartOnCrash } from './consumer-restart.js';
import { keyWaves } from './key-waves.js';
import type { KeyedProducer } from './producer.js';
import { deadLetter, type StepResult, TransientError } from './results.js';

export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  logger: Logger;
}

export interface ConsumerLoopOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  /** Producer used for dead letters. */
  producer: KeyedProducer;
  logger: Logger;
  /** Turns raw bytes into a typed value; throwing here dead-letters the message (stage `decode`). */
  decode: (message: KafkaMessage, topic: string) => T;
  /** Handles one message (or give `handleBatch`). */
  handle?: (value: T, context: MessageContext) => Promise<StepResult>;
  /**
   * Handles several messages of one partition at once instead: at most `batchSize`, never two with the same key
   * (a key's later messages come in a later call, in order); answers a result per message, in the order given.
   * Throwing fails them all: a TransientError retries the call; any other error hands each message to a call of
   * its own, so that only the one at fault is dead-lettered. The offsets of a batch are resolved only once every
   * call for it has returned.
   */
  handleBatch?: (messages: Array<{ value: T; context: MessageContext }>) => Promise<StepResult[]>;
  /** Messages per `handleBatch` call, and per resolved offset (default 100). */
  batchSize?: number;
  /** Partitions handled at once, each still in order (kafkajs' partitionsConsumedConcurrently; default 1). */
  partitionsConcurrently?: number;
  /** A new group starts at the beginning of the topic, so nothing produced before it joined is missed. */
  fromBeginning?: boolean;
  /**
   * How often a `TransientError` is retried in place (waits of 200 ms doubling to 1 s, so the message goes on
   * within a second of its dependency coming back) before the batch is handed back to kafkajs to restart.
   */
  transientRetries?: number;
  /** Where `syndicate_consumer_messages_total{group, topic, outcome}` is counted. */
  metrics?: Registry;
}

/**
 * Consumes, validates and handles messages one by one, per partition in order. An offset is committed only
 * once the handler's effects are durable or the message is safely in the dead-letter topic; a bad message
 * never stops the stream.
 */
export class ConsumerLoop<T> {
  private readonly consumer: Consumer;
  private readonly outcomes?: Counter;
  private running = false;
  private joined?: Promise<void>;
  private cancelRestart?: () => void;

  constructor(private readonly options: ConsumerLoopOptions<T>) {
    if (!options.handle === !options.handleBatch) throw new Error('a consumer loop needs one of handle and handleBatch');
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      // Short session so a crashed member's partitions move on quickly; heartbeats run during long batches.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      maxWaitTimeInMs: 250,
      retry: KAFKA_RETRY, // rides out a broker outage as the same member (see KAFKA_RETRY)
    });
    if (options.metrics) {
      this.outcomes = new Counter({
        name: 'syndicate_consumer_messages_total',
        help: 'Messages consumed, by outcome (ok, drop, dlq)',
        labelNames: ['group', 'topic', 'outcome'],
        registers: [options.metrics],
      });
    }
  }

  /** Resolves once this member has joined the group and been given partitions. */
  async start(): Promise<void> {
    if (this.running) return this.joined;
    this.running = true;
    const { consumer, options } = this;
    this.joined = new Promise((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    });
    const run = () =>
      consumer.run({
        autoCommit: true,
        autoCommitInterval: 1_000,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
        eachBatch: (payload) => this.processBatch(payload),
      } satisfies ConsumerRunConfig);
    this.cancelRestart = restartOnCrash(consumer, run, {
      logger: options.logger.child({ groupId: options.groupId }),
      stopped: () => !this.running,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
    await run();
    await this.joined;
  }

  /** Stops fetching, lets the message in hand finish, commits what was resolved, leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelRestart?.();
    await this.consumer.disconnect();
  }

  private async processBatch(payload: EachBatchPayload) {
    if (this.options.handleBatch) return this.processInGroups(payload);
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      await this.processMessage(batch.topic, batch.partition, message, heartbeat);
      resolveOffset(message.offset);
      await heartbeat();
    }
    await commitOffsetsIfNecessary();
  }

  private async processMessage(topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<void> {
    const { options } = this;
    const key = message.key?.toString() ?? null;
    const logger = options.logger.child({ topic, partition, offset: message.offset, key });
    const context: MessageContext = { topic, partition, offset: message.offset, key, logger };

    let result: StepResult;
    let value: T;
    try {
      value = options.decode(message, topic);
    } catch (error) {
      result = deadLetter('decode', describe(error));
      return this.settle(result, topic, partition, message, logger);
    }
    logger.debug('handling message');
    const retries = options.transientRetries ?? 10;
    for (let attempt = 0; ; attempt++) {
      try {
        result = await (options.handle as NonNullable<typeof options.handle>)(value, context);
        break;
      } catch (error) {
        if (error instanceof TransientError) {
          // Not the message's fault: keep it, back off, and after a while let kafkajs restart the batch.
          if (attempt >= retries) throw error;
          logger.warn({ err: error, attempt }, 'transient failure, retrying');
          await sleep(Math.min(200 * 2 ** attempt, 1_000));
          await heartbeat(); // still here: the group must not hand the partition to someone else meanwhile
          continue;
        }
        result = deadLetter('handle', describe(error));
        break;
      }
    }
    await this.settle(result, topic, partition, message, logger);
  }

  /**
   * `handleBatch`: the partition's messages in groups of `batchSize`, each group's messages handled in waves
   * without a repeated key (see keyWaves), then settled in offset order; the group's last offset is resolved once
   * all of it is done, so a crash mid-group redoes the group and commits nothing it had not finished.
   */
  private async processInGroups({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload) {
    const size = this.options.batchSize ?? 100;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!isRunning() || isStale()) break;
      const group = batch.messages.slice(start, start + size);
      await this.processGroup(batch.topic, batch.partition, group, heartbeat);
      resolveOffset((group[group.length - 1] as KafkaMessage).offset);
      await heartbeat();
      await commitOffsetsIfNecessary(); // at most every autoCommitInterval: a long batch keeps its progress
    }
  }

  private async processGroup(topic: string, partition: number, messages: KafkaMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const { options } = this;
    const results = new Map<KafkaMessage, StepResult>();
    const decoded: Array<{ message: KafkaMessage; key: string | null; value: T; context: MessageContext }> = [];
    for (const message of messages) {
      const key = message.key?.toString() ?? null;
      const context: MessageContext = {
        topic,
        partition,
        offset: message.offset,
        key,
        logger: options.logger.child({ topic, partition, offset: message.offset, key }),
      };
      try {
        decoded.push({ message, key, value: options.decode(message, topic), context });
      } catch (error) {
        results.set(message, deadLetter('decode', describe(error)));
      }
    }
    for (const wave of keyWaves(decoded)) {
      const outcomes = await this.handleWave(wave, heartbeat);
      wave.forEach(({ message }, n) => {
        results.set(message, outcomes[n] as StepResult);
      });
    }
    for (const message of messages) {
      const logger = options.logger.child({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null });
      await this.settle(results.get(message) as StepResult, topic, partition, message, logger);
    }
  }

  /** One `handleBatch` call, retried while it fails transiently; a message at fault is found by handling each alone. */
  private async handleWave(wave: Array<{ value: T; context: MessageContext }>, heartbeat: () => Promise<void>): Promise<StepResult[]> {
    const handleBatch = this.options.handleBatch as NonNullable<ConsumerLoopOptions<T>['handleBatch']>;
    const retries = this.options.transientRetries ?? 10; // as processMessage
    const logger = wave[0]?.context.logger ?? this.options.logger;
    for (let attempt = 0; ; attempt++) {
      try {
        const results = await handleBatch(wave);
        if (results.length !== wave.length) throw new Error(`handleBatch answered ${results.length} results for ${wave.length} messages`);
        return results;
      } catch (error) {
        if (error instanceof TransientError) {
          // Not the messages' fault: keep them, back off, and after a while let kafkajs restart the batch.
          if (attempt >= retries) throw error;
          logger.warn({ err: error, attempt, messages: wave.length }, 'transient failure, retrying');
          await sleep(Math.min(200 * 2 ** attempt, 1_000));
          await heartbeat(); // still here: the group must not hand the partition to someone else meanwhile
          continue;
        }
        if (wave.length === 1) return [deadLetter('handle', describe(error))];
        logger.warn({ err: error, messages: wave.length }, 'a batch failed; handling its messages one by one');
        const results: StepResult[] = [];
        for (const item of wave) results.push(...(await this.handleWave([item], heartbeat)));
        return results;
      }
    }
  }

  private async settle(result: StepResult, topic: string, partition: number, message: KafkaMessage, logger: Logger) {
    switch (result.kind) {
      case 'ok':
        logger.debug('message handled');
        break;
      case 'drop':
        logger.info({ reason: result.reason }, 'message dropped');
        break;
      case 'dlq':
        logger.warn({ reason: result.reason, stage: result.stage }, 'message dead-lettered');
        await this.options.producer.send(deadLetterTopic(topic), [
          {
            key: message.key?.toString() ?? '',
            value: message.value,
            headers: {
              ...stringHeaders(message.headers),
              [DLQ_HEADERS.error]: result.reason.slice(0, 4_000),
              [DLQ_HEADERS.stage]: result.stage,
              [DLQ_HEADERS.retries]: '0',
              [DLQ_HEADERS.originalTopic]: topic,
              [DLQ_HEADERS.originalPartition]: String(partition),
              [DLQ_HEADERS.originalOffset]: message.offset,
            },
          },
        ]);
        break;
      default: {
        const exhaustive: never = result;
        throw new Error(`unknown step result ${JSON.stringify(exhaustive)}`);
      }
    }
    this.outcomes?.inc({ group: this.options.groupId, topic, outcome: result.kind });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stringHeaders(headers: KafkaMessage['headers']): Record<string, string> {
  const entries = Object.entries(normaliseHeaders(headers)).filter((e): e is [string, string] => e[1] !== undefined);
  return Object.fromEntries(entries);
}
