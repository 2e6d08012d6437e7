import type { Admin, Kafka } from 'kafkajs';
import { retryRetriable } from './client.js';
import { succeeded } from './results.js';

/**
 * How many messages a topic holds (the high minus the low watermark, over its partitions), through one admin
 * client connected on first use and kept: the API's operators' view counts the dead letters at every request.
 */
export class TopicOffsets {
  private readonly admin: Admin;
  private connected?: Promise<void>;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  async messageCount(topic: string): Promise<number> {
    // A failed connection is forgotten, so the next call tries again instead of failing for ever.
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const offsets = await retryRetriable(() => this.admin.fetchTopicOffsets(topic));
    return offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
  }

  async stop(): Promise<void> {
    if (this.connected && (await succeeded(this.connected))) await this.admin.disconnect();
    this.connected = undefined;
  }
}
