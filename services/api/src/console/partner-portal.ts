import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '@syndicate/redis-runtime';

/** One partner's browser: the webhook endpoint it may see, the portal token it came with, its CSRF token. */
export interface PartnerSession {
  endpointId: string;
  tokenHash: string;
  csrf: string;
  createdAt: string;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Portal tokens and partner sessions (the partner view of issue 16). A portal token opens one webhook endpoint's
 * deliveries to its partner: random, shown once when issued, stored only as its hash (like a feed token). Issuing a
 * new one replaces the old; revoking leaves none. A partner session remembers the token's hash it was opened with
 * and is valid only while that is still the endpoint's token: rotating or revoking ends every session at once.
 */
export class PartnerPortal {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    readonly sessionTtlSeconds: number,
  ) {}

  private endpointKey = (endpointId: string) => `${this.keyPrefix}console:portal:endpoint:${endpointId}`;
  private tokenKey = (tokenHash: string) => `${this.keyPrefix}console:portal:token:${tokenHash}`;
  private sessionKey = (id: string) => `${this.keyPrefix}console:partner-session:${id}`;

  /** A new token for `endpointId`, answered this once; the previous one (if any) stops working. */
  async issue(endpointId: string): Promise<string> {
    const token = `ptk_${randomBytes(32).toString('base64url')}`;
    const previous = await this.redis.get(this.endpointKey(endpointId));
    const next = hash(token);
    const tx = this.redis.multi().set(this.endpointKey(endpointId), next).set(this.tokenKey(next), endpointId);
    if (previous) tx.del(this.tokenKey(previous));
    await tx.exec();
    return token;
  }

  /** The endpoint's token stops working, and every session opened with it ends. True when there was one. */
  async revoke(endpointId: string): Promise<boolean> {
    const previous = await this.redis.get(this.endpointKey(endpointId));
    if (!previous) return false;
    await this.redis.multi().del(this.endpointKey(endpointId)).del(this.tokenKey(previous)).exec();
    return true;
  }

  /** A session for the endpoint this token opens, or null when it opens none (never issued, rotated, revoked). */
  async open(token: string): Promise<{ id: string; session: PartnerSession } | null> {
    const tokenHash = hash(token);
    const endpointId = await this.redis.get(this.tokenKey(tokenHash));
    if (!endpointId) return null;
    const id = randomBytes(32).toString('base64url');
    const session = { endpointId, tokenHash, csrf: randomBytes(32).toString('base64url'), createdAt: new Date().toISOString() };
    await this.redis.set(this.sessionKey(id), JSON.stringify(session), 'EX', this.sessionTtlSeconds);
    return { id, session };
  }

  /** The session, while it has not expired and the token it was opened with is still its endpoint's. */
  async session(id: string): Promise<PartnerSession | null> {
    const json = await this.redis.get(this.sessionKey(id));
    if (!json) return null;
    const session = JSON.parse(json) as PartnerSession;
    return (await this.redis.get(this.endpointKey(session.endpointId))) === session.tokenHash ? session : null;
  }

  async end(id: string): Promise<void> {
    await this.redis.del(this.sessionKey(id));
  }
}
