import type { FastifyError, FastifyInstance } from 'fastify';
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
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: error.code ?? 'internal_error', message: status >= 500 ? 'internal error' : error.message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url}` }),
  );
}
