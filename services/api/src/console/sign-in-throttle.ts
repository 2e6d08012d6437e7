import type { Redis } from '@syndicate/redis-runtime';

/** Wrong tokens one client address may try in a window before sign-in refuses it for the rest of the window. */
export const MAX_FAILED_SIGN_INS = 10;
export const FAILED_SIGN_IN_WINDOW_SECONDS = 15 * 60;

/**
 * Counts failed console sign-ins per client address in Redis (shared by every API process), so guessing the
 * admin token through the sign-in form costs a window per ten guesses instead of riding the public rate limit
 * (300 requests a minute).
 */
export class SignInThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** What is counted: the operators' sign-in, or partner links (their own count, so neither locks out the other). */
    private readonly what: 'sign-in' | 'partner-link' = 'sign-in',
  ) {}

  /** Seconds until `ip` may try again, or 0 when it may now. */
  async waitSeconds(ip: string): Promise<number> {
    const failures = Number((await this.redis.get(this.key(ip))) ?? 0);
    if (failures < MAX_FAILED_SIGN_INS) return 0;
    return Math.max(1, await this.redis.ttl(this.key(ip)));
  }

  /** One more failure for `ip`; the window starts at its first. Returns the failures so far. */
  async failed(ip: string): Promise<number> {
    const [[, failures]] = (await this.redis
      .multi()
      .incr(this.key(ip))
      .expire(this.key(ip), FAILED_SIGN_IN_WINDOW_SECONDS, 'NX')
      .exec()) as [[null, number], [null, number]];
    return failures;
  }

  private key(ip: string): string {
    return `${this.keyPrefix}console:${this.what}-failures:${ip}`;
  }
}
