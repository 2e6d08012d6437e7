import type { Redis } from 'ioredis';

export interface Attempt {
  at: string;
  messageId: string;
  attempt: number;
  status: number | null;
  latencyMs: number;
  ok: boolean;
  error?: string;
  response?: string;
}

/** The last attempts per endpoint, newest first, bounded in length and age: "what happened to my webhook?". */
export class AttemptLog {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly maxLength: number,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {}

  private key = (endpointId: string) => `${this.keyPrefix}webhooks:attempts:${endpointId}`;

  /** Records an attempt; `alsoDelete` names keys to drop in the same round trip (e.g. a failing-since mark). */
  async record(endpointId: string, attempt: Attempt, alsoDelete: string[] = []): Promise<void> {
    const key = this.key(endpointId);
    const transaction = this.redis
      .multi()
      .lpush(key, JSON.stringify(attempt))
      .ltrim(key, 0, this.maxLength - 1)
      .expire(key, this.ttlSeconds);
    if (alsoDelete.length > 0) transaction.del(...alsoDelete);
    await transaction.exec();
  }

  async list(endpointId: string, limit = 50): Promise<Attempt[]> {
    const rows = await this.redis.lrange(this.key(endpointId), 0, limit - 1);
    return rows.map((r) => JSON.parse(r) as Attempt);
  }

  /** Health over the last attempts: share that succeeded, and the last error. */
  async health(
    endpointId: string,
    window = 100,
  ): Promise<{ attempts: number; successRate: number | null; lastError: string | null; lastAttemptAt: string | null }> {
    const attempts = await this.list(endpointId, window);
    const ok = attempts.filter((a) => a.ok).length;
    const failed = attempts.find((a) => !a.ok);
    return {
      attempts: attempts.length,
      successRate: attempts.length === 0 ? null : Math.round((ok / attempts.length) * 1000) / 1000,
      lastError: failed ? (failed.error ?? `HTTP ${failed.status}`) : null,
      lastAttemptAt: attempts[0]?.at ?? null,
    };
  }
}
