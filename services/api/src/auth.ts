import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when the request (Fastify's or node:http's) carries `Authorization: Bearer <token>`; compared in constant time. */
export function hasBearer(token: string) {
  const expected = digest(token);
  return (request: { headers: IncomingHttpHeaders }): boolean => {
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    return given !== '' && timingSafeEqual(digest(given), expected);
  };
}

/** A preHandler that accepts only `Authorization: Bearer <token>`. */
export function requireBearer(token: string) {
  const has = hasBearer(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!has(request)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="syndicate"')
        .send({ error: 'unauthorized', message: 'send Authorization: Bearer $SYNDICATE_ADMIN_TOKEN' });
    }
  };
}
