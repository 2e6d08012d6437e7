export * from './feed-cache.js';
export * from './feed-store.js';
