export * from './client.js';
export * from './consumer-loop.js';
export * from './consumer-restart.js';
export * from './key-waves.js';
export * from './producer.js';
export * from './read-to-end.js';
export * from './results.js';
export * from './security.js';
