import { parseConfig } from '@syndicate/config';
import { inOrder, runUntilSignalled } from '@syndicate/lifecycle';
import { createLogger, serveMetrics } from '@syndicate/observability';
import { EnricherConfig } from './config.js';
import { EnricherService } from './enricher-service.js';

const config = parseConfig(EnricherConfig);
const logger = createLogger('enricher', config.LOG_LEVEL);
const service = new EnricherService(config, logger);
let metrics: Awaited<ReturnType<typeof serveMetrics>> | undefined;
const metricsServer = {
  start: async () => {
    if (config.METRICS_PORT === undefined) return;
    metrics = await serveMetrics(service.metrics, config.METRICS_PORT);
    logger.info({ url: `http://127.0.0.1:${metrics.port}/metrics` }, 'metrics');
  },
  stop: async () => metrics?.close(),
};
// Metrics last to start and first to stop; the service stops itself in its own order.
await runUntilSignalled(inOrder(service, metricsServer), logger);
