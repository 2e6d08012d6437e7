export * from './config.js';
export * from './fanout-service.js';
export * from './partner-format.js';
