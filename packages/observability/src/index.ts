import { type Logger, pino } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ReadinessResult } from './readiness.js';

export type { Logger };

/** JSON logs on stdout; secrets never reach them. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    redact: ['secret', '*.secret', 'headers.authorization', 'req.headers.authorization', 'token'],
  });
}

/** A per-process metrics registry with Node's default metrics and the service name as a label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export { type CheckState, Readiness, type ReadinessOptions, type ReadinessResult } from './readiness.js';
export { Counter, Gauge, Histogram, Registry };

export interface ServeMetricsOptions {
  /** Where to listen (default 127.0.0.1); 0.0.0.0 for a scraper or a probe from another host. */
  host?: string;
  /** When given, `GET /readyz` answers from it (200 or 503 with each dependency ok or down). */
  readiness?: () => Promise<ReadinessResult>;
}

/**
 * Serves a registry as Prometheus text on `GET /metrics` (for the services that have no HTTP API of their
 * own), with `GET /healthz` (the process answers) and `GET /readyz` (its dependencies do) beside it. Port 0
 * picks a free port; `close()` stops it.
 */
export async function serveMetrics(
  registry: Registry,
  port: number,
  options: ServeMetricsOptions = {},
): Promise<{ port: number; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    if (req.method !== 'GET') return void res.writeHead(404).end();
    if (req.url === '/healthz') return json(res, 200, { status: 'ok' });
    if (req.url === '/readyz' && options.readiness) {
      options.readiness().then(
        ({ ready, checks }) => json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks }),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, options.host ?? '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
