export * from './attempt-log.js';
export * from './delivery-tracker.js';
export * from './endpoint-slots.js';
export * from './jobs.js';
export * from './sender.js';
export * from './signing.js';
export * from './url-policy.js';
