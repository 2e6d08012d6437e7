export * from './feed-tokens.js';
export * from './matching.js';
export * from './registry.js';
export * from './sealed-records.js';
export * from './subscription-index.js';
