export * from './article-log.js';
export * from './feed-cache.js';
export * from './feed-store.js';
export * from './partner-offsets.js';
export * from './version-log.js';
