import { parseConfig } from '@syndicate/config';
import { runUntilSignalled } from '@syndicate/lifecycle';
import { createLogger } from '@syndicate/observability';
import { EnricherConfig } from './config.js';
import { EnricherService } from './enricher-service.js';

const config = parseConfig(EnricherConfig);
const logger = createLogger('enricher', config.LOG_LEVEL);
await runUntilSignalled(new EnricherService(config, logger), logger);
