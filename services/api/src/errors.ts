import { BusUnavailableError } from '@syndicate/kafka-runtime';
import { isRedisUnavailableError, StoreUnavailableError } from '@syndicate/redis-runtime';
import type { FastifyError, FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { ZodError, z } from 'zod';

/** A request the client must change: answered with its status and message, never logged as our fault. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** No request of ours nests deeper than a handful of levels; thousands would overflow the stack of every walker. */
const MAX_JSON_DEPTH = 64;

/** True when JSON text opens more than `max` arrays or objects inside each other (strings skipped). */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * JSON bodies are decoded strictly: broken UTF-8 is refused with a clear error instead of being silently
 * replaced by U+FFFD, and errors everywhere answer `{error, message, issues?}`.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return done(new HttpError(400, 'invalid_encoding', 'request body is not valid UTF-8'), undefined);
    }
    if (text.trim() === '') {
      // Many clients send `content-type: application/json` on every request; a DELETE needs no body.
      if (request.method === 'DELETE') return done(null, undefined);
      return done(new HttpError(400, 'empty_body', 'request body is empty'), undefined);
    }
    try {
      if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
        return done(new HttpError(400, 'too_deeply_nested', `request body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      }
      done(null, JSON.parse(text));
    } catch (error) {
      done(new HttpError(400, 'invalid_json', `request body is not JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError | HttpError | ZodError, request, reply) => {
    if (error instanceof ZodError) {
      return reply.code(400).send({
        error: 'invalid_request',
        message: z.prettifyError(error),
        issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    if (error instanceof HttpError) {
      return reply
        .code(error.statusCode)
        .send({ error: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) });
    }
    const unavailable = dependencyUnavailable(error);
    if (unavailable) {
      request.log.warn({ err: error, url: request.routeOptions.url }, 'answered 503: a dependency is down');
      return reply
        .code(503)
        .header('retry-after', String(unavailable.retryAfterSeconds))
        .send({ error: unavailable.code, message: unavailable.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    // A server error says nothing of its cause (the log does); a library's own code may not even be a string.
    if (status >= 500) return reply.code(status).send({ error: 'internal_error', message: 'internal error' });
    return reply.code(status).send({ error: String(error.code ?? 'bad_request'), message: error.message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url}` }),
  );
}

/**
 * Validates a route's zod schemas (body, params, querystring) and hands the request the parsed values. A failure is
 * the ZodError itself, so that it is answered like every other invalid input (400 invalid_request with the issues)
 * rather than in Fastify's own validation error shape.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    // Fastify passes an absent body as null: a route whose body is optional (or has defaults) takes it as none.
    const result = schema.safeParse(httpPart === 'body' && data === null ? undefined : data);
    return result.success ? { value: result.data } : { error: result.error };
  };

/**
 * A dependency that is down, as the client is told: `bus_unavailable` (Kafka: nothing was accepted) or
 * `store_unavailable` (Redis), both 503 with Retry-After. Undefined for any other error.
 */
export function dependencyUnavailable(error: unknown): { code: string; message: string; retryAfterSeconds: number } | undefined {
  if (error instanceof BusUnavailableError) {
    return {
      code: 'bus_unavailable',
      message: 'the message bus is unavailable: the request was not accepted; sending it again is safe',
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (isRedisUnavailableError(error)) {
    const retryAfterSeconds = error instanceof StoreUnavailableError ? error.retryAfterSeconds : 2;
    return { code: 'store_unavailable', message: 'the store is unavailable: try again shortly', retryAfterSeconds };
  }
  return undefined;
}
