import { keyWaves } from '@syndicate/kafka-runtime';
import type { FastifyInstance } from 'fastify';
import { ZodError, z } from 'zod';
import type { VersionAssignment } from '../article-versions.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import {
  articleDataOf,
  eventTypeOf,
  type PreparedSubmission,
  prepareSubmission,
  publishEvents,
  type VersionedEvent,
  versionConflict,
} from './articles.js';

/** Articles one batch request may carry; a larger import is several requests. */
export const MAX_BATCH_ARTICLES = 500;

/** What each article of a batch came to, in the order they were sent. */
export type BatchResult =
  | { status: 202; id: string; version: number; type: string }
  | { status: 200; id: string; version: number; type: string; unchanged: true }
  | { status: 400 | 409; error: string; message: string; issues?: Array<{ path: string; message: string }>; details?: unknown };

/**
 * `POST /v1/articles/batch` with `{"articles": [submission, ...]}` (1 to 500): each article is taken as
 * `POST /v1/articles` would take it (validated and cleaned, versioned, identical content answered unchanged), but
 * the versions of all of them are assigned in one Redis script call and every new version goes to `article-events`
 * in one producer send. The answer is `200 {"results": [...]}`, one result per article in order, each with the
 * status the single route would have given it: an invalid or conflicting article is reported in its place and the
 * others are accepted. If the send fails the whole request fails and nothing of it is accepted. An article id that
 * appears more than once is handled as if each came in its own request, one after the other.
 */
export function articleBatchRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/v1/articles/batch', { bodyLimit: deps.config.MAX_BATCH_BODY_BYTES }, async (request, reply) => {
    const body = request.body as { articles?: unknown } | null | undefined;
    if (!body || typeof body !== 'object' || !Array.isArray(body.articles)) {
      throw new HttpError(400, 'invalid_request', 'the body must be {"articles": [article, ...]}');
    }
    const items: unknown[] = body.articles;
    if (items.length === 0) throw new HttpError(400, 'empty_batch', 'the batch holds no articles');
    if (items.length > MAX_BATCH_ARTICLES) {
      throw new HttpError(413, 'too_many_articles', `a batch holds at most ${MAX_BATCH_ARTICLES} articles, not ${items.length}`);
    }

    const results: BatchResult[] = new Array(items.length);
    const prepared: Array<{ index: number; key: string; article: PreparedSubmission }> = [];
    items.forEach((item, index) => {
      try {
        const article = prepareSubmission(deps, item, request.log);
        prepared.push({ index, key: article.id, article });
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        results[index] = { status: 400, ...invalid(error) };
      }
    });

    // An id given twice goes in a later wave, versioned and published after the first (as two requests would be).
    for (const wave of keyWaves(prepared)) {
      const answers = await deps.versions.assignMany(wave.map(({ article }) => article));
      const events: VersionedEvent[] = [];
      const assigned: Array<{ index: number; event: VersionedEvent }> = [];
      wave.forEach(({ index, article }, n) => {
        const answer = answers[n] as VersionAssignment | Error;
        if (answer instanceof Error) {
          const conflict = versionConflict(answer);
          if (!conflict) throw answer;
          results[index] = { status: 409, error: conflict.code, message: conflict.message, details: conflict.details };
          return;
        }
        const { id, digest } = article;
        const { version } = answer;
        const type = eventTypeOf(version, answer.isNew);
        if (answer.unchanged) {
          results[index] = { status: 200, id, version, type, unchanged: true };
          return;
        }
        const event = { type, id, digest, version, data: articleDataOf(article, version) };
        events.push(event);
        assigned.push({ index, event });
      });
      await publishEvents(deps, events, request.log);
      for (const { index, event } of assigned) results[index] = { status: 202, id: event.id, version: event.version, type: event.type };
    }
    return reply.code(200).send({ results });
  });
}

const invalid = (error: ZodError) => ({
  error: 'invalid_request',
  message: z.prettifyError(error),
  issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
});
