import type {} from '@fastify/cookie'; // its request.cookies and unsignCookie
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { CSRF_HEADER } from './console-auth.js';
import { escapeHtml, hidden, htmlPage } from './html.js';
import type { PartnerPortal, PartnerSession } from './partner-portal.js';
import { sameSecret } from './sessions.js';
import type { SignInThrottle } from './sign-in-throttle.js';

export const PARTNER_COOKIE = 'syndicate_partner';
const PARTNER_PATH = '/console/partner';
// As the console's: scripts and styles from here only, no framing; and the page's address never leaves as a Referer.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";
/** The first characters of an attempt's error: enough to tell what went wrong, never a whole answer. */
const ERROR_EXCERPT_CHARS = 200;

const page = (title: string, body: string, head = '') => htmlPage(`${title} · Syndicate`, body, head);

const noAccess = page(
  'Partner deliveries',
  `<main class="sign-in"><h1>Partner deliveries</h1>
<p class="error" role="alert">This link does not open any deliveries: it was replaced or revoked, or the session ended. Ask for a new link.</p></main>`,
);

/**
 * The partner view (issue 16): a link with an endpoint's portal token shows that partner its own webhook endpoint's
 * deliveries and lets it replay its dead letters. The token is exchanged at once for a partner session cookie (its
 * own name, scoped to /console/partner, never the operators' session) and the address loses it. The session names
 * one endpoint: every answer is about that one, whatever a request asks.
 */
export function partnerRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  portal: PartnerPortal,
  throttle: SignInThrottle,
  replay: (endpointId: string, messageId: string) => Promise<{ status: number; json: unknown }>,
): void {
  const sessions = new WeakMap<FastifyRequest, { id: string; session: PartnerSession }>();
  const found = async (request: FastifyRequest) => {
    const raw = request.cookies?.[PARTNER_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : null;
    if (!unsigned?.valid || !unsigned.value) return null;
    const session = await portal.session(unsigned.value);
    // An endpoint deleted since is gone for its partner too.
    return session && deps.registry.get(session.endpointId)?.type === 'webhook' ? { id: unsigned.value, session } : null;
  };
  /** No session: 401. Another endpoint than the session's: 403. A state change without the CSRF token: 403. */
  const partner = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const current = await found(request);
    if (!current) return reply.code(401).send({ error: 'unauthorized', message: 'open your partner link first' });
    if ((request.params as { id?: string }).id !== current.session.endpointId) {
      return reply.code(403).send({ error: 'forbidden', message: 'not your endpoint' });
    }
    const csrf = request.headers[CSRF_HEADER];
    if (request.method !== 'GET' && !sameSecret(typeof csrf === 'string' ? csrf : undefined, current.session.csrf)) {
      return reply.code(403).send({ error: 'csrf', message: 'the CSRF token is missing or wrong' });
    }
    sessions.set(request, current);
  };
  const html = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8');

  app.get(PARTNER_PATH, hidden, async (request, reply) => {
    const token = (request.query as { token?: unknown }).token;
    if (typeof token === 'string') {
      // Portal tokens are 256 random bits; the throttle still keeps a guesser from trying many.
      const wait = await throttle.waitSeconds(request.ip);
      if (wait > 0) return html(reply).code(429).header('retry-after', String(wait)).send(noAccess);
      const opened = await portal.open(token);
      if (!opened) {
        const failures = await throttle.failed(request.ip);
        request.log.warn({ ip: request.ip, failures }, 'partner link with an unknown token');
        return html(reply).code(401).send(noAccess);
      }
      // The token leaves the address (and the history: a redirect replaces the entry) for the cookie.
      return reply
        .setCookie(PARTNER_COOKIE, opened.id, {
          path: PARTNER_PATH,
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https' || deps.publicBaseUrl().startsWith('https:'),
          signed: true,
          maxAge: portal.sessionTtlSeconds,
        })
        .header('referrer-policy', 'no-referrer')
        .redirect(PARTNER_PATH, 303);
    }
    const current = await found(request);
    if (!current) return html(reply).code(401).send(noAccess);
    const { endpointId, csrf } = current.session;
    return html(reply).send(
      page(
        'Your deliveries',
        `<main id="partner" data-endpoint="${escapeHtml(endpointId)}"><h1>Deliveries to your endpoint</h1></main>
<script src="/console/assets/dom.js"></script><script src="/console/assets/partner.js"></script>`,
        `<meta name="csrf-token" content="${escapeHtml(csrf)}">`,
      ),
    );
  });

  app.get(`${PARTNER_PATH}/api/endpoints/:id`, { ...hidden, preHandler: partner }, async (request) => {
    const { endpointId } = sessions.get(request)?.session ?? { endpointId: '' };
    const endpoint = deps.registry.get(endpointId);
    const [health, attempts, failed] = await Promise.all([
      deps.attempts.health(endpointId),
      deps.attempts.list(endpointId, 50),
      deps.webhookQueue(endpointId).getFailed(0, 99),
    ]);
    return {
      id: endpointId,
      url: endpoint?.type === 'webhook' ? endpoint.url : null,
      successRate: health.successRate,
      // What the partner needs to see its side: no answer bodies, no other endpoint, nothing of the pipeline.
      attempts: attempts.map((a) => ({
        at: a.at,
        messageId: a.messageId,
        attempt: a.attempt,
        status: a.status,
        latencyMs: a.latencyMs,
        ok: a.ok,
        error: a.error?.slice(0, ERROR_EXCERPT_CHARS) ?? null,
      })),
      deadLetters: failed.map((job) => ({
        messageId: job.id ?? '',
        reason: job.failedReason?.slice(0, ERROR_EXCERPT_CHARS) ?? null,
        attempts: job.attemptsMade,
        failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      })),
    };
  });

  // One dead letter of the session's endpoint, by its webhook-id, sent again through the admin replay route.
  app.post(`${PARTNER_PATH}/api/endpoints/:id/replay`, { ...hidden, preHandler: partner }, async (request, reply) => {
    const messageId = (request.body as { messageId?: unknown } | undefined)?.messageId;
    if (typeof messageId !== 'string' || !messageId.startsWith('msg_')) {
      return reply.code(400).send({ error: 'invalid_request', message: 'give the messageId (msg_…) of a dead letter' });
    }
    const answer = await replay(sessions.get(request)?.session.endpointId ?? '', messageId);
    return reply.code(answer.status).send(answer.json);
  });
}
