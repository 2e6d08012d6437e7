export type { JobsOptions, Processor, QueueOptions, WorkerOptions } from 'bullmq';
export { DelayedError, Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
// The ioredis and BullMQ names other packages need, so that ioredis and BullMQ are imported here only.
export type { ChainableCommander, RedisOptions } from 'ioredis';
export { Redis } from 'ioredis';
export * from './connection.js';
export * from './lua.js';
export * from './queues.js';
export * from './scan.js';
