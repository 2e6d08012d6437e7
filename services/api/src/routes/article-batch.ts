import { ArticleEventType, ArticleSubmission, countControlChars } from '@syndicate/contracts';
import { keyWaves } from '@syndicate/kafka-runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type ZodError, z } from 'zod';
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
import { documentedAsArticleSubmission, ErrorBody, errorAnswer, INVALID_JSON, jsonAnswer, Tag, unavailable } from './schemas.js';

/** Articles one batch request may carry; a larger import is several requests. */
export const MAX_BATCH_ARTICLES = 500;

/** What each article of a batch came to, in the order they were sent: the status the single route would have given it. */
const BatchResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal(202), id: z.string(), version: z.number().int(), type: ArticleEventType }).describe('accepted'),
  z
    .object({ status: z.literal(200), id: z.string(), version: z.number().int(), type: ArticleEventType, unchanged: z.literal(true) })
    .describe('unchanged: the latest version already has this content'),
  ErrorBody.extend({ status: z.literal([400, 409]) }).describe(
    'refused: 400 invalid_request (with issues), 409 stale_version (details.latest) or publish_in_progress (details.version)',
  ),
]);
export type BatchResult = z.output<typeof BatchResult>;

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
  const schema = {
    tags: [Tag.articles],
    summary: `Publish or update up to ${MAX_BATCH_ARTICLES} articles in one request`,
    description:
      `Up to MAX_BATCH_BODY_BYTES (16 MiB). Each article is taken as POST /v1/articles takes it (cleaned, versioned, identical ` +
      'content answered unchanged), but all versions are assigned in one Redis script call and all new versions written to ' +
      'Kafka in one send. The answer lists one result per article in the order sent, each with the status the single route ' +
      'would have given it: an invalid article is reported in its place and the others are accepted. An id given more than ' +
      'once is handled as if each came in its own request, in order. If the write to Kafka fails the whole request fails; ' +
      'retrying it is safe (what did get out is answered unchanged).',
    body: z.object({
      articles: z.array(documentedAsArticleSubmission).describe(`1 to ${MAX_BATCH_ARTICLES} articles`),
    }),
    response: {
      200: jsonAnswer(z.object({ results: z.array(BatchResult) }), 'the batch was handled: a result per article, in order'),
      400: errorAnswer(`${INVALID_JSON}; empty_batch: no articles`),
      413: errorAnswer(`too_many_articles (more than ${MAX_BATCH_ARTICLES}), or the body is larger than MAX_BATCH_BODY_BYTES`),
      503: unavailable,
    },
  };
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post('/v1/articles/batch', { schema, bodyLimit: deps.config.MAX_BATCH_BODY_BYTES }, async (request, reply) => {
    const items = request.body.articles;
    if (items.length === 0) throw new HttpError(400, 'empty_batch', 'the batch holds no articles');
    if (items.length > MAX_BATCH_ARTICLES) {
      throw new HttpError(413, 'too_many_articles', `a batch holds at most ${MAX_BATCH_ARTICLES} articles, not ${items.length}`);
    }

    const results: BatchResult[] = new Array(items.length);
    const prepared: Array<{ index: number; key: string; article: PreparedSubmission }> = [];
    items.forEach((item, index) => {
      const submission = ArticleSubmission.safeParse(item);
      if (!submission.success) {
        results[index] = { status: 400, ...invalid(submission.error) };
        return;
      }
      const article = prepareSubmission(deps, submission.data, countControlChars(item), request.log);
      prepared.push({ index, key: article.id, article });
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
