import type {} from '@fastify/cookie'; // its request.cookies and unsignCookie
import type { FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { PartnerPortal } from './partner-portal.js';
import { type ConsoleSession, ConsoleSessions, cookieSigningKey, sameSecret, sessionFingerprint } from './sessions.js';

export const CONSOLE_COOKIE = 'syndicate_console';
/** The header the console's pages send the session's CSRF token in (forms send it as the `_csrf` field). */
export const CSRF_HEADER = 'x-csrf-token';

/** Who is signed in to the console: the signed session cookie, checked against the sessions in Redis. */
export class ConsoleAuth {
  readonly sessions: ConsoleSessions;
  /** Partners' portal tokens and sessions: their own cookie and keys, never an operator's session. */
  readonly partners: PartnerPortal;
  /** Signs the session cookie (@fastify/cookie's secret). */
  readonly signingKey: string;

  constructor(deps: ApiDeps) {
    this.signingKey = cookieSigningKey(deps.config.SYNDICATE_SECRET_KEY, deps.config.SYNDICATE_ADMIN_TOKEN);
    this.sessions = new ConsoleSessions(
      deps.redis,
      deps.config.REDIS_KEY_PREFIX,
      deps.config.CONSOLE_SESSION_TTL_SECONDS,
      sessionFingerprint(this.signingKey),
    );
    this.partners = new PartnerPortal(deps.redis, deps.config.REDIS_KEY_PREFIX, deps.config.CONSOLE_SESSION_TTL_SECONDS);
  }

  /** The request's session, or null: no cookie, a cookie whose signature fails, or a session expired or revoked. */
  async session(request: FastifyRequest): Promise<{ id: string; session: ConsoleSession } | null> {
    const raw = request.cookies?.[CONSOLE_COOKIE];
    if (!raw) return null;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return null;
    const session = await this.sessions.get(unsigned.value);
    return session ? { id: unsigned.value, session } : null;
  }

  /** A state-changing request carries the session's CSRF token (header, or `_csrf` form field). */
  static csrfOk(request: FastifyRequest, session: ConsoleSession): boolean {
    const header = request.headers[CSRF_HEADER];
    const field = (request.body as { _csrf?: unknown } | undefined)?._csrf;
    const given = typeof header === 'string' ? header : typeof field === 'string' ? field : undefined;
    return sameSecret(given, session.csrf);
  }

  /**
   * bull-board with a console session instead of the bearer token. Its page calls its own JSON API and cannot send
   * our CSRF token, so a state-changing call (retry, clean, pause) must come from this origin (the Origin header
   * browsers send with every such fetch), besides the SameSite=Strict cookie.
   */
  async allowsOpsBoard(request: FastifyRequest, boardPath: string): Promise<boolean> {
    if (!request.url.startsWith(boardPath)) return false;
    if (!(await this.session(request))) return false;
    if (request.method === 'GET' || request.method === 'HEAD') return true;
    const origin = request.headers.origin;
    return typeof origin === 'string' && origin === `${request.protocol}://${request.host}`;
  }
}
