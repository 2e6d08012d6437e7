export * from './config.js';
export * from './fanout-service.js';
