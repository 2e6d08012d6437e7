import { randomUUID } from 'node:crypto';
import { BackfillProgress } from '@syndicate/contracts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';

const BackfillRequest = z.object({
  days: z.number().positive().max(365).default(7), // how far back in article-enriched
});

/**
 * Backfill and replay: fill a new partner queue, feed or webhook with the last N days of enriched
 * articles. The fanout runs the job; its progress is readable here (and shown by `syndicate replay`).
 */
export function backfillRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Params: { id: string } }>('/v1/subscriptions/:id/backfill', async (request, reply) => {
    const subscription = deps.registry.get(request.params.id);
    if (!subscription) throw new HttpError(404, 'not_found', `no subscription ${request.params.id}`);
    const { days } = BackfillRequest.parse(request.body ?? {});
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

  app.get<{ Params: { id: string } }>('/v1/backfills/:id', async (request) => {
    const job = await deps.backfillQueue.getJob(request.params.id);
    if (!job) throw new HttpError(404, 'not_found', `no backfill ${request.params.id}`);
    const progress = BackfillProgress.safeParse(job.progress);
    return {
      backfillId: job.id,
      subscriptionId: (job.data as { subscriptionId: string }).subscriptionId,
      state: await job.getState(),
      progress: progress.success ? progress.data : { read: 0, total: 0, delivered: 0 },
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    };
  });
}
