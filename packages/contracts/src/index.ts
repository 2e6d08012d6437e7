export * from './article.js';
export * from './backfill.js';
export * from './cloudevents.js';
export * from './embargo.js';
export * from './enriched.js';
export { jsonSchemas } from './json-schema.js';
export * from './subscription.js';
export * from './text.js';
export * from './topics.js';
