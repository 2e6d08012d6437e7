import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';

/**
 * The operators' view as JSON: webhook queue depths, dead letters per topic, subscriptions by type. (The
 * webhooks issue adds bull-board and per-endpoint health.)
 */
export function opsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/ops', async () => {
    const [queue, deadLetters] = await Promise.all([
      deps.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'paused'),
      deps.deadLetterCounts(),
    ]);
    const subscriptions = deps.registry.all().reduce<Record<string, number>>((acc, s) => {
      acc[s.type] = (acc[s.type] ?? 0) + 1;
      return acc;
    }, {});
    return { webhookQueue: queue, deadLetters, subscriptions };
  });
}
