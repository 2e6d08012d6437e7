export * from './matching.js';
export * from './registry.js';
