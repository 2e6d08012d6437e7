import { createServer } from 'node:http';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from '@syndicate/observability';
import { Histogram } from '@syndicate/observability';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { hasBearer, requireBearer } from './auth.js';
import { ConsoleAuth } from './console/console-auth.js';
import { consoleRoutes } from './console/console-routes.js';
import type { ApiDeps } from './deps.js';
import { HttpError, installErrorHandling, zodValidatorCompiler } from './errors.js';
import { FeedServer } from './feed-server.js';
import { idempotencyKeys } from './idempotency.js';
import { openApiDocument, serveOpenApi } from './openapi.js';
import { mountOpsBoard, OPS_BOARD_PATH } from './ops-board.js';
import { proxyTrust } from './proxy-trust.js';
import { clientKey, sharedRateLimitStore } from './rate-limiter.js';
import { articleBatchRoutes } from './routes/article-batch.js';
import { articleRoutes } from './routes/articles.js';
import { backfillRoutes } from './routes/backfills.js';
import { endpointRoutes } from './routes/endpoints.js';
import { healthRoutes } from './routes/health.js';
import { opsRoutes } from './routes/ops.js';
import { portalTokenRoutes } from './routes/portal-tokens.js';
import { requiresAdminToken } from './routes/schemas.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { websubRoutes } from './routes/websub.js';

export function buildApp(deps: ApiDeps, logger: Logger): FastifyInstance {
  const feeds = new FeedServer(deps, logger);
  const app = Fastify({
    // Feed reads are served on node:http ahead of Fastify (see FeedServer); everything else by Fastify.
    serverFactory: (handler) => createServer((req, res) => (FeedServer.handles(req) ? feeds.handle(req, res) : handler(req, res))),
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request lines would drown the JSON logs at feed-polling rates; request metrics cover them.
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger: at feed-polling rates creating one costs more than serving a 304.
    childLoggerFactory: (parent) => parent,
    bodyLimit: deps.config.MAX_BODY_BYTES,
    return503OnClosing: true,
    trustProxy: proxyTrust(deps.config.TRUST_PROXY),
  });
  installErrorHandling(app);
  // Route schemas are zod: they validate requests, serialise answers and are the OpenAPI document (openapi.ts).
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  openApiDocument(app, deps.publicBaseUrl);

  // Every route but the feeds (limited in FeedServer) counts requests per client; the admin token is exempt.
  const isAdmin = hasBearer(deps.config.SYNDICATE_ADMIN_TOKEN);
  app.register(rateLimit, {
    global: true,
    max: deps.config.RATE_LIMIT_PUBLIC,
    timeWindow: deps.config.RATE_LIMIT_WINDOW_MS,
    store: sharedRateLimitStore(deps.rateLimiter),
    keyGenerator: (request) => clientKey(request.ip),
    allowList: (request) => isAdmin(request),
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `more than ${context.max} requests in ${context.after}; retry in ${context.ttl} ms`),
  });

  // The operators' console's signed session cookie (console/): read by the console and by bull-board's guard below.
  const consoleAuth = new ConsoleAuth(deps);
  app.register(cookie, { secret: consoleAuth.signingKey });

  // Only the admin routes pay for the token check; feeds, health and metrics are public and hot.
  const auth = requireBearer(deps.config.SYNDICATE_ADMIN_TOKEN);
  app.register(async (admin) => {
    // Documented as needing the token, with its 401 (hidden routes, bull-board's, are not documented at all).
    admin.addHook('onRoute', (route) => {
      if (!route.schema?.hide) route.schema = requiresAdminToken(route.schema);
    });
    // preParsing, not onRequest: the rate limit (a route hook on onRequest) counts token guesses first.
    // bull-board also opens with a console session (see ConsoleAuth.allowsOpsBoard), so a browser can reach it.
    admin.addHook('preParsing', async (request, reply, payload) =>
      (await consoleAuth.allowsOpsBoard(request, OPS_BOARD_PATH)) ? payload : ((await auth(request, reply)) ?? payload),
    );
    idempotencyKeys(admin, { redis: deps.redis, keyPrefix: deps.config.REDIS_KEY_PREFIX, keyring: deps.keyring }); // POSTs may carry an Idempotency-Key
    articleRoutes(admin, deps);
    articleBatchRoutes(admin, deps);
    subscriptionRoutes(admin, deps);
    opsRoutes(admin, deps);
    backfillRoutes(admin, deps);
    endpointRoutes(admin, deps);
    portalTokenRoutes(admin, deps, consoleAuth.partners);
    mountOpsBoard(admin, deps);
  });

  const duration = new Histogram({
    name: 'syndicate_http_request_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [deps.metrics],
  });
  // One child per (method, route template, status): label hashing once, not per request.
  const series = new Map<string, { observe(value: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let child = series.get(key);
    if (!child) {
      child = duration.labels({ method: request.method, route, status: String(reply.statusCode) });
      series.set(key, child);
    }
    child.observe(reply.elapsedTime / 1_000);
    done();
  });

  // In a plugin, like the admin routes, so that they are declared after the rate limit hooks are in place.
  app.register(async (open) => {
    healthRoutes(open, deps);
    websubRoutes(open, deps);
    serveOpenApi(open);
  });
  // Its own context: its url-encoded form parser is not the WebSub hub's.
  app.register(async (operators) => consoleRoutes(operators, deps, consoleAuth));
  return app;
}
