import { parseConfig } from '@syndicate/config';
import { inOrder, metricsEndpoint, runUntilSignalled } from '@syndicate/lifecycle';
import { createLogger } from '@syndicate/observability';
import { EnricherConfig } from './config.js';
import { EnricherService } from './enricher-service.js';

const config = parseConfig(EnricherConfig);
const logger = createLogger('enricher', config.LOG_LEVEL);
const service = new EnricherService(config, logger);
// Metrics, /healthz and /readyz last to start and first to stop; the service stops itself in its own order.
await runUntilSignalled(
  inOrder(
    service,
    metricsEndpoint(service.metrics, config.METRICS_PORT, logger, { host: config.METRICS_HOST, readiness: service.readiness }),
  ),
  logger,
);
