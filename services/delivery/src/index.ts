export * from './config.js';
export * from './delivery-service.js';
