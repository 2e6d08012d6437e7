import { parseConfig } from '@syndicate/config';
import { runUntilSignalled } from '@syndicate/lifecycle';
import { createLogger } from '@syndicate/observability';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';

const config = parseConfig(ApiConfig);
const logger = createLogger('api', config.LOG_LEVEL);
await runUntilSignalled(new ApiService(config, logger), logger);
