import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { EndpointHealth, jsonAnswer, Tag, unavailable } from './schemas.js';

const JobCounts = z.record(z.string(), z.number().int()).describe('jobs by state');

const OpsView = z.object({
  webhookEndpoints: z.array(z.object({ id: z.string(), url: z.string(), queue: JobCounts, health: EndpointHealth })),
  webhookBatches: JobCounts,
  websub: JobCounts,
  backfills: JobCounts,
  deadLetters: z.record(z.string(), z.number().int()).describe('dead-lettered events by dead-letter topic'),
  subscriptions: z.record(z.string(), z.number().int()).describe('subscriptions by type'),
});

/**
 * The operators' view as JSON: per webhook endpoint its queue (retries and hand-overs from batches: waiting,
 * active, delayed, failed = dead letters) and health (success rate and last error over its last attempts,
 * first attempts included), the webhook batches' queue (first attempts), WebSub and backfill queues,
 * dead-lettered events per topic, and subscriptions by type.
 */
export function opsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const schema = {
    tags: [Tag.operations],
    summary: "The operators' view: queues, dead letters, subscriptions",
    description: 'The queues themselves, job by job: the bull-board UI at /ops/queues (not described here).',
    response: { 200: jsonAnswer(OpsView, 'the view'), 503: unavailable },
  };
  app.withTypeProvider<ZodTypeProvider>().get('/ops', { schema }, async () => {
    const endpoints = deps.registry.ofType('webhook');
    const [webhookEndpoints, webhookBatches, websub, backfills, deadLetters] = await Promise.all([
      Promise.all(
        endpoints.map(async (endpoint) => ({
          id: endpoint.id,
          url: endpoint.url,
          queue: await deps.webhookQueue(endpoint.id).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
          health: await deps.attempts.health(endpoint.id),
        })),
      ),
      deps.webhookBatchQueue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      deps.websubQueue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      deps.backfillQueue.getJobCounts('waiting', 'active', 'completed', 'failed'),
      deps.deadLetterCounts(),
    ]);
    const subscriptions = deps.registry.all().reduce<Record<string, number>>((acc, s) => {
      acc[s.type] = (acc[s.type] ?? 0) + 1;
      return acc;
    }, {});
    return { webhookEndpoints, webhookBatches, websub, backfills, deadLetters, subscriptions };
  });
}
