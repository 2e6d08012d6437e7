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

// Push, trim, refresh the expiry and delete any extra keys (KEYS[2..]) in one command: a delivery records
// an attempt every time, and five commands of MULTI … EXEC cost the client more than the script does.
const RECORD_ATTEMPT = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
return 1`;

type WithRecordAttempt = Redis & {
  syndicateRecordAttempt(keys: number, ...args: Array<string | number>): Promise<number>;
};

/** The last attempts per endpoint, newest first, bounded in length and age: "what happened to my webhook?". */
export class AttemptLog {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly maxLength: number,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {
    if (!('syndicateRecordAttempt' in redis)) redis.defineCommand('syndicateRecordAttempt', { lua: RECORD_ATTEMPT });
  }

  private key = (endpointId: string) => `${this.keyPrefix}webhooks:attempts:${endpointId}`;

  /** Records an attempt; `alsoDelete` names keys to drop in the same round trip (e.g. a failing-since mark). */
  async record(endpointId: string, attempt: Attempt, alsoDelete: string[] = []): Promise<void> {
    const keys = [this.key(endpointId), ...alsoDelete];
    await (this.redis as WithRecordAttempt).syndicateRecordAttempt(
      keys.length,
      ...keys,
      JSON.stringify(attempt),
      this.maxLength,
      this.ttlSeconds,
    );
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
