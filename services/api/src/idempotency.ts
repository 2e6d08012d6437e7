import { createHash } from 'node:crypto';
import type { Keyring } from '@syndicate/config';
import { luaScript, type Redis } from '@syndicate/redis-runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contentDigest } from './content-digest.js';
import { HttpError } from './errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const MAX_KEY_CHARS = 255; // as Stripe

const CLAIM = luaScript<string | null>('@syndicate/api/lua/idempotency-claim.lua');

type Stored =
  | { state: 'running'; fingerprint: string }
  | { state: 'done'; fingerprint: string; status: number; contentType?: string; body: string };

// Answers a retry could change: a conflict with a request in flight, a rate limit. They are not kept.
const NOT_KEPT = new Set([408, 409, 425, 429]);

export interface IdempotencyOptions {
  redis: Redis;
  keyPrefix: string;
  /** Seals the kept answers: they may hold a webhook secret or a feed token, shown once and never kept in the clear. */
  keyring: Keyring;
  /** How long the first answer to a key is given again. */
  ttlSeconds?: number;
  /** How long a request may hold its key unanswered (a process that died holding it frees it then). */
  lockMs?: number;
}

/**
 * `Idempotency-Key` on POST requests under /v1, as Stripe does it: the first answer to a key (status and body) is given
 * again for `ttlSeconds`; the same key with another method, path or body is refused with 422, and while the first
 * request runs a second gets 409. Server errors are not kept, so a retry after one runs again.
 */
export function idempotencyKeys(app: FastifyInstance, options: IdempotencyOptions): void {
  const ttlSeconds = options.ttlSeconds ?? 86_400;
  const lockMs = options.lockMs ?? 60_000;
  const claims = new WeakMap<FastifyRequest, { redisKey: string; fingerprint: string }>();

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST' || !request.url.startsWith('/v1/')) return;
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_CHARS) {
      throw new HttpError(400, 'invalid_idempotency_key', `Idempotency-Key must be one header of 1-${MAX_KEY_CHARS} characters`);
    }
    // Hashed: the key is the client's text, and Redis keys stay short whatever it is.
    const redisKey = `${options.keyPrefix}idempotency:${createHash('sha256').update(key).digest('hex')}`;
    const fingerprint = contentDigest({ method: request.method, url: request.url, body: request.body ?? null });
    const running: Stored = { state: 'running', fingerprint };
    const found = await CLAIM.run(options.redis, [redisKey], [JSON.stringify(running), lockMs]);
    if (found === null) {
      claims.set(request, { redisKey, fingerprint });
      return;
    }
    const stored = JSON.parse(found) as Stored;
    if (stored.fingerprint !== fingerprint) {
      throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request (method, path or body)');
    }
    if (stored.state === 'running') {
      throw new HttpError(409, 'idempotency_key_in_use', 'a request with this Idempotency-Key is still running; retry shortly');
    }
    let body: string;
    try {
      body = options.keyring.open(stored.body, redisKey);
    } catch (error) {
      // Sealed with a key since dropped from the keyring: the answer cannot be given again, so the request runs.
      request.log.warn({ err: error }, 'a kept idempotent answer does not open; running the request again');
      await options.redis.set(redisKey, JSON.stringify(running), 'PX', lockMs);
      claims.set(request, { redisKey, fingerprint });
      return;
    }
    if (stored.contentType) reply.type(stored.contentType);
    return reply.code(stored.status).header('idempotent-replayed', 'true').send(body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    const status = reply.statusCode;
    try {
      if (status >= 500 || NOT_KEPT.has(status) || !(typeof payload === 'string' || Buffer.isBuffer(payload))) {
        await options.redis.del(claim.redisKey);
        return payload;
      }
      const contentType = reply.getHeader('content-type');
      const done: Stored = {
        state: 'done',
        fingerprint: claim.fingerprint,
        status,
        ...(typeof contentType === 'string' ? { contentType } : {}),
        body: options.keyring.seal(payload.toString(), claim.redisKey),
      };
      await options.redis.set(claim.redisKey, JSON.stringify(done), 'EX', ttlSeconds);
    } catch (error) {
      // The work is done and its answer goes out; a retry with this key may run again once the claim expires.
      request.log.warn({ err: error }, 'idempotency key not recorded');
    }
    return payload;
  });
}
