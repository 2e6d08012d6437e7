export * from './feed-cache.js';
export * from './feed-store.js';
export * from './partner-offsets.js';
