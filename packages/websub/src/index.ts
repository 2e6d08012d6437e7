export * from './jobs.js';
export * from './signature.js';
export * from './subscriber-store.js';
export * from './topic.js';
