import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';

export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** Ready when both Kafka and Redis answer; a load balancer stops sending traffic otherwise. */
  app.get('/readyz', async (_request, reply) => {
    const [kafka, redis] = await Promise.allSettled([deps.checkKafka(), deps.redis.ping()]);
    const checks = {
      kafka: kafka.status === 'fulfilled' ? 'ok' : String(kafka.reason),
      redis: redis.status === 'fulfilled' ? 'ok' : String(redis.reason),
    };
    const ready = kafka.status === 'fulfilled' && redis.status === 'fulfilled';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()));
}
