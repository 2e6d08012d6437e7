import { parseConfig } from '@syndicate/config';
import { runUntilSignalled } from '@syndicate/lifecycle';
import { createLogger } from '@syndicate/observability';
import { DeliveryConfig } from './config.js';
import { DeliveryService } from './delivery-service.js';

const config = parseConfig(DeliveryConfig);
const logger = createLogger('delivery', config.LOG_LEVEL);
await runUntilSignalled(new DeliveryService(config, logger), logger);
