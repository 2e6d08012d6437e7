import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Redis, scanKeys } from '@syndicate/redis-runtime';

/** One signed-in operator: the CSRF token its pages send back with every state-changing request. */
export interface ConsoleSession {
  csrf: string;
  createdAt: string;
}

/**
 * Console sessions in Redis, so that one can be revoked (sign-out deletes it) and every API process sees the same
 * ones. The cookie carries only the session id, signed by @fastify/cookie; the session expires in Redis after
 * `ttlSeconds` whatever the cookie says.
 *
 * Each session's key holds the fingerprint of the key that signs the cookies (`console:session:<fingerprint>:<id>`),
 * which changes with the admin token or the secret key: a session is found only under the current fingerprint, and
 * `revokeStale` (at start-up) deletes those of any other, so a rotation ends every earlier session for real rather
 * than leaving it in Redis until it expires.
 */
export class ConsoleSessions {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    readonly ttlSeconds: number,
    /** `sessionFingerprint` of the cookie signing key: never the token itself. */
    private readonly fingerprint: string,
  ) {
    this.prefix = `${keyPrefix}console:session:`;
  }

  private key = (id: string) => `${this.prefix}${this.fingerprint}:${id}`;

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

  /**
   * Deletes the sessions made under another admin token or secret key (and any of the key format before
   * fingerprints); returns how many. Every API process does it when it starts: during a rolling change of the
   * token, a process still on the old one loses its sessions as the new ones start, which is the point.
   */
  revokeStale(): Promise<number> {
    const current = `${this.prefix}${this.fingerprint}:`;
    return this.deleteMatching((key) => !key.startsWith(current));
  }

  /** "Sign out all sessions": every operator's session, this one's included (partner sessions are apart). */
  revokeAll(): Promise<number> {
    return this.deleteMatching(() => true);
  }

  /** Over the sessions' keys, a bounded SCAN batch at a time; returns how many were deleted. */
  private async deleteMatching(doomed: (key: string) => boolean): Promise<number> {
    let deleted = 0;
    for await (const keys of scanKeys(this.redis, this.prefix)) {
      const gone = keys.filter(doomed);
      if (gone.length > 0) deleted += await this.redis.unlink(...gone);
    }
    return deleted;
  }
}

/**
 * What a session's key holds of the cookie signing key: a short hash of it, which changes whenever the key does
 * (so with the admin token or the secret key) and tells nothing of either.
 */
export function sessionFingerprint(signingKey: string): string {
  return createHash('sha256').update(`syndicate console session fingerprint\n${signingKey}`).digest('hex').slice(0, 16);
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
