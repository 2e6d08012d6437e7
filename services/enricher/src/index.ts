export * from './config.js';
export * from './enricher-service.js';
