export * from './client.js';
export * from './consumer-loop.js';
export * from './producer.js';
export * from './results.js';
