export * from './api-service.js';
export * from './config.js';
