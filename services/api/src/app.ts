import type { Logger } from '@syndicate/observability';
import { Histogram } from '@syndicate/observability';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { requireBearer } from './auth.js';
import type { ApiDeps } from './deps.js';
import { installErrorHandling } from './errors.js';
import { openApiDocument } from './openapi.js';
import { articleRoutes } from './routes/articles.js';
import { feedRoutes } from './routes/feeds.js';
import { healthRoutes } from './routes/health.js';
import { opsRoutes } from './routes/ops.js';
import { subscriptionRoutes } from './routes/subscriptions.js';

/** Admin routes; feeds, health and metrics are public. */
const isProtected = (url: string) => url.startsWith('/v1/') || url === '/ops' || url.startsWith('/ops/') || url.startsWith('/ops?');

export function buildApp(deps: ApiDeps, logger: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request lines would drown the JSON logs at feed-polling rates; request metrics cover them.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.MAX_BODY_BYTES,
    return503OnClosing: true,
  });
  installErrorHandling(app);

  const auth = requireBearer(deps.config.SYNDICATE_ADMIN_TOKEN);
  app.addHook('onRequest', async (request, reply) => {
    if (isProtected(request.url)) return auth(request, reply);
  });

  const duration = new Histogram({
    name: 'syndicate_http_request_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [deps.metrics],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1_000,
    );
  });

  articleRoutes(app, deps);
  subscriptionRoutes(app, deps);
  feedRoutes(app, deps);
  healthRoutes(app, deps);
  opsRoutes(app, deps);
  // Built on first request: the base URL is known only once the server listens.
  let openapi: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', async () => {
    openapi ??= openApiDocument(deps.publicBaseUrl());
    return openapi;
  });
  return app;
}
