export * from './callback-policy.js';
export * from './jobs.js';
export * from './rendered-documents.js';
export * from './signature.js';
export * from './subscriber-store.js';
export * from './topic.js';
