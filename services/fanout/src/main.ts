import { parseConfig } from '@syndicate/config';
import { runUntilSignalled } from '@syndicate/lifecycle';
import { createLogger } from '@syndicate/observability';
import { FanoutConfig } from './config.js';
import { FanoutService } from './fanout-service.js';

const config = parseConfig(FanoutConfig);
const logger = createLogger('fanout', config.LOG_LEVEL);
await runUntilSignalled(new FanoutService(config, logger), logger);
