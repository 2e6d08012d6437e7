import { deriveArticleId } from '@syndicate/article-parser';
import {
  ArticleData,
  type ArticleEventType,
  ArticleId,
  type ArticleSubmission,
  countControlChars,
  newEventAttributes,
  toKafkaRecord,
  WithdrawalData,
} from '@syndicate/contracts';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PublishInFlightError, StaleVersionError } from '../article-versions.js';
import { contentDigest } from '../content-digest.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import {
  ArticleSubmissionBody,
  ArticleUnchangedAnswer,
  ArticleVersionAnswer,
  errorAnswer,
  INVALID_JSON,
  jsonAnswer,
  Tag,
  unavailable,
} from './schemas.js';

// What a withdrawal's "content" is to the version store: withdrawing twice is one withdrawal.
const WITHDRAWN = 'withdrawn';

/** An article event with its version assigned, ready to go to `article-events`. */
export interface VersionedEvent {
  type: ArticleEventType;
  id: string;
  digest: string;
  version: number;
  data: unknown;
}

/**
 * Writes events to `article-events` in one producer send, then settles their versions (so identical content is
 * answered "unchanged" from now on). A failed send settles them as unsent and throws (503 bus_unavailable for the
 * broker's sake): the request was not accepted, and identical content sent again publishes the same versions
 * again, harmless even if the failed send did reach the broker after all (see ArticleVersions).
 */
export async function publishEvents(deps: ApiDeps, events: VersionedEvent[], log: FastifyBaseLogger): Promise<void> {
  if (events.length === 0) return;
  const records = events.map((e) =>
    toKafkaRecord(newEventAttributes({ source: 'syndicate/api', type: e.type, partitionkey: e.id, subject: e.id }), e.data),
  );
  try {
    await deps.producer.send(deps.topics.articleEvents, records);
  } catch (error) {
    await deps.versions.settleMany(events, false).catch(() => {});
    throw error;
  }
  // A failure here only costs a duplicate version on the next identical request; the events are out.
  await deps.versions
    .settleMany(events, true)
    .catch((error) => log.warn({ err: error, articleIds: events.map((e) => e.id) }, 'versions not settled'));
  for (const e of events) deps.articlesAccepted.inc({ type: e.type });
}

/** A submitted article once validated and cleaned by the ArticleSubmission schema. */
export type SubmittedArticle = z.output<typeof ArticleSubmission>;

/**
 * A submitted article as ingest sees it: its id (given, or derived from the URL or source and headline), the
 * version the client asked for, and the digest of its content. The control characters cleaning removed (`removed`,
 * counted in what was sent) are counted and logged.
 */
export function prepareSubmission(deps: ApiDeps, submission: SubmittedArticle, removed: number, log: FastifyBaseLogger) {
  const id = submission.id ?? deriveArticleId({ url: submission.url, source: submission.source, headline: submission.headline });
  if (removed > 0) {
    deps.controlCharsRemoved.inc(removed);
    log.warn({ articleId: id, removed }, 'control characters removed from article text');
  }
  // The content is what the client sent (cleaned, defaults filled), without the version: a retry that leaves
  // publishedAt to the API is the same content although the API would stamp a new time.
  const { version: requested, ...content } = submission;
  return { submission, id, requested, digest: contentDigest({ ...content, id }) };
}

export type PreparedSubmission = ReturnType<typeof prepareSubmission>;

/** The event type of an assigned version: the first of an article is published, later ones updated. */
export const eventTypeOf = (version: number, isNew: boolean): ArticleEventType =>
  version === 1 || isNew ? 'article.published' : 'article.updated';

/** The event data of an assigned version: the cleaned submission with its id, version and publication time. */
export const articleDataOf = ({ submission, id }: PreparedSubmission, version: number) =>
  ArticleData.parse({ ...submission, id, version, publishedAt: submission.publishedAt ?? new Date().toISOString() });

/**
 * Ingest: validate (and clean) at the edge, assign a monotonic version, publish a CloudEvent keyed by article id.
 * A request whose content is the latest version's is answered 200 with that version and publishes nothing, so a
 * client may retry freely. Many articles at once: routes/article-batch.ts.
 */
export function articleRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const publish = (type: ArticleEventType, id: string, digest: string, version: number, data: unknown, log: FastifyBaseLogger) =>
    publishEvents(deps, [{ type, id, digest, version, data }], log);
  // Counted in the body as sent: validation hands the handler the cleaned one.
  const controlChars = new WeakMap<FastifyRequest, number>();
  const routes = app.withTypeProvider<ZodTypeProvider>();

  const publishSchema = {
    tags: [Tag.articles],
    summary: 'Publish or update an article',
    description:
      'Control characters in text are removed, not refused (vertical tab, form feed and NEL become line breaks, spaces in ' +
      'single-line fields; tab, LF and CR stay). The same content as the latest version (everything sent but the version) ' +
      'is answered 200 with that version and publishes nothing. Many articles at once: POST /v1/articles/batch.',
    body: ArticleSubmissionBody,
    response: {
      202: jsonAnswer(ArticleVersionAnswer, 'accepted: this version is published (article.published for version 1, else article.updated)'),
      200: jsonAnswer(ArticleUnchangedAnswer, 'unchanged: the latest version already has this content'),
      400: errorAnswer(INVALID_JSON),
      409: errorAnswer('stale_version (details.latest: a version at least this one exists) or publish_in_progress'),
      413: errorAnswer('the body is larger than MAX_BODY_BYTES'),
      503: unavailable,
    },
  };
  const countControlCharsSent = async (request: FastifyRequest) => {
    controlChars.set(request, countControlChars(request.body));
  };
  routes.post('/v1/articles', { schema: publishSchema, preValidation: countControlCharsSent }, async (request, reply) => {
    const prepared = prepareSubmission(deps, request.body, controlChars.get(request) ?? 0, request.log);
    const { id, digest, requested } = prepared;
    const { version, isNew, unchanged } = await assignVersion(deps, id, digest, requested);
    const type = eventTypeOf(version, isNew);
    if (unchanged) return reply.code(200).send({ id, version, type, unchanged: true });
    await publish(type, id, digest, version, articleDataOf(prepared, version), request.log);
    return reply.code(202).send({ id, version, type });
  });

  const withdrawSchema = {
    tags: [Tag.articles],
    summary: 'Withdraw (kill) an article everywhere',
    description: 'No body needed, whatever the content-type. Withdrawing again answers 200 with the same version.',
    params: z.object({ id: ArticleId.describe('the article id') }),
    body: z.object({ reason: z.string().optional().describe('why; the first 1,000 characters are kept') }).optional(),
    response: {
      202: jsonAnswer(ArticleVersionAnswer, 'accepted: the withdrawal is published as this version (article.withdrawn)'),
      200: jsonAnswer(ArticleUnchangedAnswer, 'already withdrawn: the same version'),
      400: errorAnswer(INVALID_JSON),
      404: errorAnswer('not_found: no article of this id was ever published here'),
      409: errorAnswer('publish_in_progress'),
      503: unavailable,
    },
  };
  routes.delete('/v1/articles/:id', { schema: withdrawSchema }, async (request, reply) => {
    const { id } = request.params;
    if ((await deps.versions.latest(id)) === 0) throw new HttpError(404, 'not_found', `no article ${id} was ever published here`);
    const { version, unchanged } = await assignVersion(deps, id, WITHDRAWN);
    const type = 'article.withdrawn';
    if (unchanged) return reply.code(200).send({ id, version, type, unchanged: true });
    const reason = request.body?.reason?.slice(0, 1_000);
    const data = WithdrawalData.parse({ id, version, withdrawnAt: new Date().toISOString(), ...(reason ? { reason } : {}) });
    await publish(type, id, WITHDRAWN, version, data, request.log);
    return reply.code(202).send({ id, version, type });
  });
}

async function assignVersion(deps: ApiDeps, id: string, digest: string, requested?: number) {
  try {
    return await deps.versions.assign(id, digest, requested);
  } catch (error) {
    throw versionConflict(error) ?? error;
  }
}

/** The 409 a version store refusal is answered with; undefined for any other error. */
export function versionConflict(error: unknown): HttpError | undefined {
  if (error instanceof StaleVersionError) return new HttpError(409, 'stale_version', error.message, { latest: error.latest });
  if (error instanceof PublishInFlightError) return new HttpError(409, 'publish_in_progress', error.message, { version: error.version });
  return undefined;
}
