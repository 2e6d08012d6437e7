import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';

export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  /**
   * Ready when both Kafka and Redis answer; a load balancer stops sending traffic otherwise. Answered at once from
   * the background checks (every READINESS_INTERVAL_MS, each bounded by a second); the reasons are logged, not shown.
   */
  app.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await deps.readiness.current();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()));
}
