export * from './attempt-log.js';
export * from './config.js';
export * from './delivery-service.js';
