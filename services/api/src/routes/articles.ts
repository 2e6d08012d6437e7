import { deriveArticleId } from '@syndicate/article-parser';
import {
  ArticleData,
  ArticleId,
  ArticleSubmission,
  countControlChars,
  newEventAttributes,
  toKafkaRecord,
  WithdrawalData,
} from '@syndicate/contracts';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { PublishInFlightError, StaleVersionError } from '../article-versions.js';
import { contentDigest } from '../content-digest.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';

// What a withdrawal's "content" is to the version store: withdrawing twice is one withdrawal.
const WITHDRAWN = 'withdrawn';

/**
 * Ingest: validate (and clean) at the edge, assign a monotonic version, publish a CloudEvent keyed by article id.
 * A request whose content is the latest version's is answered 200 with that version and publishes nothing, so a
 * client may retry freely.
 */
export function articleRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const publish = async (type: string, id: string, digest: string, version: number, data: unknown, log: FastifyBaseLogger) => {
    const attributes = newEventAttributes({ source: 'syndicate/api', type, partitionkey: id, subject: id });
    try {
      await deps.producer.send(deps.topics.articleEvents, [toKafkaRecord(attributes, data)]);
    } catch (error) {
      await deps.versions.settle(id, digest, version, false).catch(() => {});
      throw error;
    }
    // A failure here only costs a duplicate version on the next identical request; the event is out.
    await deps.versions.settle(id, digest, version, true).catch((error) => log.warn({ err: error, articleId: id }, 'version not settled'));
    deps.articlesAccepted.inc({ type });
  };

  app.post('/v1/articles', async (request, reply) => {
    const submission = ArticleSubmission.parse(request.body);
    const id = submission.id ?? deriveArticleId({ url: submission.url, source: submission.source, headline: submission.headline });
    const removed = countControlChars(request.body);
    if (removed > 0) {
      deps.controlCharsRemoved.inc(removed);
      request.log.warn({ articleId: id, removed }, 'control characters removed from article text');
    }
    // The content is what the client sent (cleaned, defaults filled), without the version: a retry that leaves
    // publishedAt to the API is the same content although the API would stamp a new time.
    const { version: requested, ...content } = submission;
    const digest = contentDigest({ ...content, id });
    const { version, isNew, unchanged } = await assignVersion(deps, id, digest, requested);
    const type = version === 1 || isNew ? 'article.published' : 'article.updated';
    if (unchanged) return reply.code(200).send({ id, version, type, unchanged: true });
    const article = ArticleData.parse({ ...submission, id, version, publishedAt: submission.publishedAt ?? new Date().toISOString() });
    await publish(type, id, digest, version, article, request.log);
    return reply.code(202).send({ id, version, type });
  });

  app.delete<{ Params: { id: string }; Body: { reason?: string } | undefined }>('/v1/articles/:id', async (request, reply) => {
    const id = ArticleId.parse(request.params.id);
    if ((await deps.versions.latest(id)) === 0) throw new HttpError(404, 'not_found', `no article ${id} was ever published here`);
    const { version, unchanged } = await assignVersion(deps, id, WITHDRAWN);
    const type = 'article.withdrawn';
    if (unchanged) return reply.code(200).send({ id, version, type, unchanged: true });
    const reason = typeof request.body?.reason === 'string' ? request.body.reason.slice(0, 1_000) : undefined;
    const data = WithdrawalData.parse({ id, version, withdrawnAt: new Date().toISOString(), ...(reason ? { reason } : {}) });
    await publish(type, id, WITHDRAWN, version, data, request.log);
    return reply.code(202).send({ id, version, type });
  });
}

async function assignVersion(deps: ApiDeps, id: string, digest: string, requested?: number) {
  try {
    return await deps.versions.assign(id, digest, requested);
  } catch (error) {
    if (error instanceof StaleVersionError) throw new HttpError(409, 'stale_version', error.message, { latest: error.latest });
    if (error instanceof PublishInFlightError) throw new HttpError(409, 'publish_in_progress', error.message, { version: error.version });
    throw error;
  }
}
