import { deriveArticleId } from '@syndicate/article-parser';
import { ArticleData, ArticleId, ArticleSubmission, newEventAttributes, toKafkaRecord, type WithdrawalData } from '@syndicate/contracts';
import type { FastifyInstance } from 'fastify';
import { StaleVersionError } from '../article-versions.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';

/** Ingest: validate at the edge, assign a monotonic version, publish a CloudEvent keyed by article id. */
export function articleRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const publish = async (type: string, id: string, data: unknown) => {
    const attributes = newEventAttributes({ source: 'syndicate/api', type, partitionkey: id, subject: id });
    await deps.producer.send(deps.topics.articleEvents, [toKafkaRecord(attributes, data)]);
  };

  app.post('/v1/articles', async (request, reply) => {
    const submission = ArticleSubmission.parse(request.body);
    const id = submission.id ?? deriveArticleId({ url: submission.url, source: submission.source, headline: submission.headline });
    const { version, isNew } = await nextVersion(deps, id, submission.version);
    const article = ArticleData.parse({ ...submission, id, version, publishedAt: submission.publishedAt ?? new Date().toISOString() });
    const type = isNew ? 'article.published' : 'article.updated';
    await publish(type, id, article);
    deps.articlesAccepted.inc({ type });
    return reply.code(202).send({ id, version, type });
  });

  app.delete<{ Params: { id: string }; Body: { reason?: string } | undefined }>('/v1/articles/:id', async (request, reply) => {
    const id = ArticleId.parse(request.params.id);
    if ((await deps.versions.latest(id)) === 0) throw new HttpError(404, 'not_found', `no article ${id} was ever published here`);
    const { version } = await nextVersion(deps, id);
    const reason = typeof request.body?.reason === 'string' ? request.body.reason.slice(0, 1_000) : undefined;
    const data: WithdrawalData = { id, version, withdrawnAt: new Date().toISOString(), ...(reason ? { reason } : {}) };
    await publish('article.withdrawn', id, data);
    deps.articlesAccepted.inc({ type: 'article.withdrawn' });
    return reply.code(202).send({ id, version, type: 'article.withdrawn' });
  });
}

async function nextVersion(deps: ApiDeps, id: string, requested?: number) {
  try {
    return await deps.versions.next(id, requested);
  } catch (error) {
    if (error instanceof StaleVersionError) throw new HttpError(409, 'stale_version', error.message, { latest: error.latest });
    throw error;
  }
}
