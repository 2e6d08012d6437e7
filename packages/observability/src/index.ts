import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ReadinessResult } from './readiness.js';

export type { Logger };

/**
 * Logs on stdout, secrets never in them: JSON for machines (a pipe, a file, a container's log driver),
 * coloured lines for a person when stdout is a terminal. LOG_FORMAT=json or pretty decides instead.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', format = process.env.LOG_FORMAT): Logger {
  const options = { name: service, level, redact: ['secret', '*.secret', 'headers.authorization', 'req.headers.authorization', 'token'] };
  const pretty = format === 'pretty' || (format !== 'json' && process.stdout.isTTY === true);
  return pretty ? pino(options, prettyStream()) : pino(options);
}

/**
 * pino-pretty as a synchronous stream in this thread (not a transport worker: lines stay in order with what
 * the process writes to stderr, and nothing is lost on exit). Loaded only when wanted.
 */
function prettyStream(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
  return pretty({ colorize: true, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' });
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
