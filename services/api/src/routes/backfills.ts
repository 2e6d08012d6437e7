import { randomUUID } from 'node:crypto';
import { BackfillProgress } from '@syndicate/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { errorAnswer, INVALID_JSON, jsonAnswer, SubscriptionId, Tag, unavailable } from './schemas.js';

// No body (or {}): the last 7 days.
const BackfillRequest = z
  .object({
    days: z.number().positive().max(365).default(7).describe('how far back in article-enriched'),
  })
  .prefault({});

const BackfillStatus = z.object({
  backfillId: z.string(),
  subscriptionId: z.string(),
  state: z.string().describe('the BullMQ job state: waiting, active, completed, failed, …'),
  progress: BackfillProgress.describe('records read of total, and articles delivered'),
  failedReason: z.string().optional(),
});

/**
 * Backfill and replay: fill a new partner queue, feed or webhook with the last N days of enriched
 * articles. The fanout runs the job; its progress is readable here (and shown by `syndicate replay`).
 */
export function backfillRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const start = {
    tags: [Tag.backfills],
    summary: 'Fill a subscription with the last N days of enriched articles',
    description: 'The fanout runs it; its progress is at the status URL (and shown by syndicate replay).',
    params: SubscriptionId,
    body: BackfillRequest,
    response: {
      202: jsonAnswer(
        z.object({ backfillId: z.string(), status: z.string().describe('where its progress is: /v1/backfills/{backfillId}') }),
        'started',
      ),
      400: errorAnswer(INVALID_JSON),
      404: errorAnswer('not_found: no subscription of this id'),
      503: unavailable,
    },
  };
  routes.post('/v1/subscriptions/:id/backfill', { schema: start }, async (request, reply) => {
    const subscription = deps.registry.get(request.params.id);
    if (!subscription) throw new HttpError(404, 'not_found', `no subscription ${request.params.id}`);
    const { days } = request.body;
    const backfillId = `bf_${randomUUID().replaceAll('-', '')}`;
    await deps.backfillQueue.add(
      'backfill',
      { subscriptionId: subscription.id, sinceMs: Date.now() - days * 24 * 3600 * 1_000 },
      {
        jobId: backfillId,
        attempts: 3,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
    return reply.code(202).send({ backfillId, status: `/v1/backfills/${backfillId}` });
  });

  const status = {
    tags: [Tag.backfills],
    summary: 'State and progress of a backfill',
    params: z.object({ id: z.string().describe('the backfill id, bf_…') }),
    response: {
      200: jsonAnswer(BackfillStatus, 'its state and progress'),
      404: errorAnswer('not_found: no backfill of this id (or one finished more than 7 days ago)'),
      503: unavailable,
    },
  };
  routes.get('/v1/backfills/:id', { schema: status }, async (request) => {
    const job = await deps.backfillQueue.getJob(request.params.id);
    if (!job) throw new HttpError(404, 'not_found', `no backfill ${request.params.id}`);
    const progress = BackfillProgress.safeParse(job.progress);
    return {
      backfillId: request.params.id,
      subscriptionId: (job.data as { subscriptionId: string }).subscriptionId,
      state: await job.getState(),
      progress: progress.success ? progress.data : { read: 0, total: 0, delivered: 0 },
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    };
  });
}
