export * from './matching.js';
export * from './registry.js';
export * from './subscription-index.js';
