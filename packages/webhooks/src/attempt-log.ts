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

/** An attempt to record, and keys to delete in the same round trip (e.g. a failing-since mark). */
export interface AttemptRecord {
  endpointId: string;
  attempt: Attempt;
  alsoDelete?: string[];
}

// Attempts (ARGV[3] of them: KEYS[1..n] are their lists, ARGV[4..] their entries) pushed, trimmed and given
// a fresh expiry, and the keys after them deleted, in one command: every delivery records an attempt, and a
// batch's hundred deliveries as a hundred commands (or MULTI … EXEC) cost the client more than the script.
const RECORD_ATTEMPTS = `
local n = tonumber(ARGV[3])
for i = 1, n do
  redis.call('LPUSH', KEYS[i], ARGV[3 + i])
  redis.call('LTRIM', KEYS[i], 0, tonumber(ARGV[1]) - 1)
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
for i = n + 1, #KEYS do redis.call('DEL', KEYS[i]) end
return n`;

type WithRecordAttempts = Redis & {
  syndicateRecordAttempts(keys: number, ...args: Array<string | number>): Promise<number>;
};

/** The last attempts per endpoint, newest first, bounded in length and age: "what happened to my webhook?". */
export class AttemptLog {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly maxLength: number,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {
    if (!('syndicateRecordAttempts' in redis)) redis.defineCommand('syndicateRecordAttempts', { lua: RECORD_ATTEMPTS });
  }

  private key = (endpointId: string) => `${this.keyPrefix}webhooks:attempts:${endpointId}`;

  /** Records attempts (of any endpoints) in one round trip. */
  async record(records: AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    const keys = [...records.map((r) => this.key(r.endpointId)), ...records.flatMap((r) => r.alsoDelete ?? [])];
    await (this.redis as WithRecordAttempts).syndicateRecordAttempts(
      keys.length,
      ...keys,
      this.maxLength,
      this.ttlSeconds,
      records.length,
      ...records.map((r) => JSON.stringify(r.attempt)),
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
