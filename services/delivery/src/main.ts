import { parseConfig } from '@syndicate/config';
import { inOrder, metricsEndpoint, runUntilSignalled } from '@syndicate/lifecycle';
import { createLogger } from '@syndicate/observability';
import { DeliveryConfig } from './config.js';
import { DeliveryService } from './delivery-service.js';

const config = parseConfig(DeliveryConfig);
const logger = createLogger('delivery', config.LOG_LEVEL);
const service = new DeliveryService(config, logger);
// Metrics, /healthz and /readyz last to start and first to stop; the service stops itself in its own order.
await runUntilSignalled(
  inOrder(
    service,
    metricsEndpoint(service.metrics, config.METRICS_PORT, logger, { host: config.METRICS_HOST, readiness: service.readiness }),
  ),
  logger,
);
