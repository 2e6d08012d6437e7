import { luaScript, type Redis } from '@syndicate/redis-runtime';
import type { StageTimes } from './jobs.js';

export interface Attempt {
  at: string;
  messageId: string;
  attempt: number;
  status: number | null;
  latencyMs: number;
  ok: boolean;
  error?: string;
  response?: string;
  /** With a success: when the event was published, enriched and fanned out (the console's stage latencies). */
  times?: StageTimes;
}

/** An attempt to record, and keys to delete in the same round trip (e.g. a failing-since mark). */
export interface AttemptRecord {
  endpointId: string;
  attempt: Attempt;
  alsoDelete?: string[];
}

const RECORD = luaScript<number>('@syndicate/webhooks/lua/attempt-log-record.lua');

/** The last attempts per endpoint, newest first, bounded in length and age: "what happened to my webhook?". */
export class AttemptLog {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly maxLength: number,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {}

  /** Every endpoint's list under one hash tag: a batch's attempts go in one script call on a Redis Cluster too. */
  private key = (endpointId: string) => `${this.keyPrefix}{webhooks}:attempts:${endpointId}`;

  /**
   * Records attempts (of any endpoints) in one round trip: the script, and a DEL of the `alsoDelete` keys sent
   * with it (those keys are the caller's, in slots of their own, so not the script's).
   */
  async record(records: AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    const alsoDelete = records.flatMap((r) => r.alsoDelete ?? []);
    await Promise.all([
      RECORD.run(
        this.redis,
        records.map((r) => this.key(r.endpointId)),
        [this.maxLength, this.ttlSeconds, ...records.map((r) => JSON.stringify(r.attempt))],
      ),
      alsoDelete.length > 0 ? this.redis.del(...alsoDelete) : undefined,
    ]);
  }

  async list(endpointId: string, limit = 50): Promise<Attempt[]> {
    const rows = await this.redis.lrange(this.key(endpointId), 0, limit - 1);
    return rows.map((r) => JSON.parse(r) as Attempt);
  }

  /** Health over the last attempts: share that succeeded, the p99 of their latency, and the last error. */
  async health(
    endpointId: string,
    window = 100,
  ): Promise<{
    attempts: number;
    successRate: number | null;
    p99LatencyMs: number | null;
    lastError: string | null;
    lastAttemptAt: string | null;
  }> {
    const attempts = await this.list(endpointId, window);
    const ok = attempts.filter((a) => a.ok).length;
    const failed = attempts.find((a) => !a.ok);
    const latencies = attempts.map((a) => a.latencyMs).sort((a, b) => a - b);
    // Nearest rank: over 100 attempts the second slowest, over fewer than 100 the slowest.
    const p99 = latencies[Math.ceil(0.99 * latencies.length) - 1];
    return {
      attempts: attempts.length,
      successRate: attempts.length === 0 ? null : Math.round((ok / attempts.length) * 1000) / 1000,
      p99LatencyMs: p99 === undefined ? null : Math.round(p99),
      lastError: failed ? (failed.error ?? `HTTP ${failed.status}`) : null,
      lastAttemptAt: attempts[0]?.at ?? null,
    };
  }
}
