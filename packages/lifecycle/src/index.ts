import { type Logger, type Readiness, type Registry, serveMetrics } from '@syndicate/observability';

/** Anything long-lived: `start()` may be called once; `stop()` is idempotent. */
export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `GET /metrics`, `/healthz` and `/readyz` for a service without an HTTP API of its own; does nothing when
 * `port` is undefined. `host` (default 127.0.0.1) may be 0.0.0.0 for a scraper or probe on another host.
 */
export function metricsEndpoint(
  registry: Registry,
  port: number | undefined,
  logger: Logger,
  options: { host?: string; readiness?: Readiness } = {},
): Service {
  let server: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  const { readiness, host = '127.0.0.1' } = options;
  return {
    start: async () => {
      if (port === undefined) return;
      server = await serveMetrics(registry, port, { host, ...(readiness ? { readiness: () => readiness.current() } : {}) });
      logger.info({ url: `http://${host}:${server.port}/metrics` }, 'metrics, /healthz and /readyz');
    },
    stop: async () => server?.close(),
  };
}

/** Runs services as one: started in order, stopped in reverse order. */
export function inOrder(...services: Service[]): Service {
  return {
    start: async () => {
      for (const service of services) await service.start();
    },
    stop: async () => {
      for (const service of [...services].reverse()) await service.stop();
    },
  };
}

/**
 * Starts the service and stops it on SIGTERM or SIGINT: the service's own `stop()` decides the order (stop
 * taking work, finish in-flight work, commit, close connections). Exits 0 after a clean stop, 1 if it failed
 * or took longer than `stopTimeoutMs`.
 */
export async function runUntilSignalled(service: Service, logger: Logger, stopTimeoutMs = 15_000): Promise<void> {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error({ stopTimeoutMs }, 'did not stop in time; exiting');
      process.exit(1);
    }, stopTimeoutMs);
    deadline.unref();
    try {
      await service.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'stop failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  try {
    await service.start();
    logger.info('started');
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await service.stop().catch(() => undefined);
    process.exit(1);
  }
}
