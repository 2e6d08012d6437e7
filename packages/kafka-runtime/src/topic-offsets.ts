import type { Admin, Kafka } from 'kafkajs';
import { retryRetriable } from './client.js';
import { succeeded } from './results.js';

/** One partition's committed offset for a consumer group, and how far behind the end it is. */
export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  committed: number;
  end: number;
  lag: number;
}

/**
 * How many messages a topic holds (the high minus the low watermark, over its partitions), and consumer groups' lag, through
 * one admin client connected on first use and kept: the API's operators' view counts the dead letters at every
 * request, and the console samples the lag.
 */
export class TopicOffsets {
  private readonly admin: Admin;
  private connected?: Promise<void>;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  private async connect(): Promise<void> {
    // A failed connection is forgotten, so the next call tries again instead of failing for ever.
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
  }

  async messageCount(topic: string): Promise<number> {
    await this.connect();
    const offsets = await retryRetriable(() => this.admin.fetchTopicOffsets(topic));
    return offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
  }

  /** Each partition's low and high watermarks (first offset kept, next offset to be written), in partition order. */
  async watermarks(topic: string): Promise<Array<{ partition: number; low: number; high: number }>> {
    await this.connect();
    const offsets = await retryRetriable(() => this.admin.fetchTopicOffsets(topic));
    return offsets
      .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /**
   * A consumer group's lag on each partition of the topics it has committed offsets on: the high watermark minus
   * the committed offset (a partition it never committed on counts from the low watermark). Topics on which the
   * group committed nothing are left out, so a group may be asked about topics it does not read.
   */
  async consumerLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    await this.connect();
    const committed = await retryRetriable(() => this.admin.fetchOffsets({ groupId, topics }));
    const lags: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      if (partitions.every((p) => p.offset === '-1')) continue;
      const ends = await retryRetriable(() => this.admin.fetchTopicOffsets(topic));
      for (const { partition, offset } of partitions) {
        const end = ends.find((e) => e.partition === partition);
        if (!end) continue;
        const from = offset === '-1' ? BigInt(end.low) : BigInt(offset);
        lags.push({ groupId, topic, partition, committed: Number(from), end: Number(end.high), lag: Number(BigInt(end.high) - from) });
      }
    }
    return lags.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async stop(): Promise<void> {
    if (this.connected && (await succeeded(this.connected))) await this.admin.disconnect();
    this.connected = undefined;
  }
}
