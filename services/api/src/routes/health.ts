import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { Readiness } from '../readiness.js';

export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  const readiness = new Readiness({
    checks: { kafka: () => deps.checkKafka(), redis: () => deps.redis.ping() },
    logger: app.log,
  });
  /**
   * Ready when both Kafka and Redis answer; a load balancer stops sending traffic otherwise. Answered from a
   * result at most a second old, each check bounded by a second; the reasons are logged, not shown.
   */
  app.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await readiness.current();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()));
}
