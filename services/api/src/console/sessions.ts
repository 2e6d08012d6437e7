import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from '@syndicate/redis-runtime';

/** One signed-in operator: the CSRF token its pages send back with every state-changing request. */
export interface ConsoleSession {
  csrf: string;
  createdAt: string;
}

/**
 * Console sessions in Redis, so that one can be revoked (sign-out deletes it) and every API process sees the same
 * ones. The cookie carries only the session id, signed by @fastify/cookie; the session expires in Redis after
 * `ttlSeconds` whatever the cookie says.
 */
export class ConsoleSessions {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    readonly ttlSeconds: number,
  ) {}

  private key = (id: string) => `${this.keyPrefix}console:session:${id}`;

  async create(): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomBytes(32).toString('base64url');
    const session = { csrf: randomBytes(32).toString('base64url'), createdAt: new Date().toISOString() };
    await this.redis.set(this.key(id), JSON.stringify(session), 'EX', this.ttlSeconds);
    return { id, session };
  }

  async get(id: string): Promise<ConsoleSession | null> {
    const json = await this.redis.get(this.key(id));
    return json ? (JSON.parse(json) as ConsoleSession) : null;
  }

  async revoke(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of a sent token (CSRF, admin) with the expected one. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  return given !== undefined && given !== '' && timingSafeEqual(digest(given), digest(expected));
}

/**
 * The key that signs session cookies: derived from the secret key and the admin token, so rotating either
 * invalidates every console cookie at once (and the admin token itself never signs anything).
 */
export function cookieSigningKey(secretKey: string, adminToken: string): string {
  return createHmac('sha256', secretKey).update(`syndicate console session\n${adminToken}`).digest('base64url');
}
