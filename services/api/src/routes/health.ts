import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { jsonAnswer, Tag } from './schemas.js';

const Readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.enum(['ok', 'down'])).describe('kafka and redis: the reason a check is down is logged, not shown'),
});

export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const liveness = {
    tags: [Tag.operations],
    summary: 'Liveness',
    response: { 200: jsonAnswer(z.object({ status: z.literal('ok') }), 'alive') },
  };
  routes.get('/healthz', { schema: liveness }, async () => ({ status: 'ok' as const }));

  /**
   * Ready when both Kafka and Redis answer; a load balancer stops sending traffic otherwise. Answered at once from
   * the background checks (every READINESS_INTERVAL_MS, each bounded by a second); the reasons are logged, not shown.
   */
  const readiness = {
    tags: [Tag.operations],
    summary: 'Readiness: Kafka and Redis reachable',
    description: 'Answered at once from background checks every READINESS_INTERVAL_MS (500 ms).',
    response: {
      200: jsonAnswer(Readiness, 'ready: every check is ok'),
      503: jsonAnswer(Readiness, 'not ready: a check is down'),
    },
  };
  routes.get('/readyz', { schema: readiness }, async (_request, reply) => {
    const { ready, checks } = await deps.readiness.current();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  const metrics = {
    tags: [Tag.operations],
    summary: 'Prometheus metrics',
    response: { 200: { description: 'the Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
  };
  routes.get('/metrics', { schema: metrics }, async (_request, reply) =>
    reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
}
