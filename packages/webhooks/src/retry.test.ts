import { describe, expect, it } from 'vitest';
import { RETRY_SCHEDULE, type WebhookJob } from './jobs.js';
import { DeliveryFailedError, RetryPolicy, slotWaitMs } from './retry.js';

const SCHEDULE = [1_000, 10_000, 60_000];
const middle = () => 0.5; // no jitter either way

const job = (attemptsBefore?: number) => ({ data: { attemptsBefore } as WebhookJob });

describe('RetryPolicy', () => {
  it('follows the schedule, its last entry repeating', () => {
    const policy = new RetryPolicy(SCHEDULE, 0.2, middle);
    expect([1, 2, 3, 4, 9].map((n) => policy.delayMs(n))).toEqual([1_000, 10_000, 60_000, 60_000, 60_000]);
  });

  it('spreads each delay by at most ±jitter', () => {
    expect(new RetryPolicy(SCHEDULE, 0.2, () => 0).delayMs(2)).toBe(8_000);
    expect(new RetryPolicy(SCHEDULE, 0.2, () => 0.999_999).delayMs(2)).toBe(12_000);
  });

  it('waits for a Retry-After that asks for longer, and not for a shorter one', () => {
    const policy = new RetryPolicy(SCHEDULE, 0, middle);
    expect(policy.delayMs(1, 30_000)).toBe(30_000);
    expect(policy.delayMs(1, 500)).toBe(1_000);
  });

  it('as BullMQ’s backoff, counts the attempt a batch made before the job existed, and the Retry-After of the failure', () => {
    const { backoffStrategy } = new RetryPolicy(SCHEDULE, 0, middle);
    expect(backoffStrategy(1, RETRY_SCHEDULE, new DeliveryFailedError('HTTP 500'), job())).toBe(1_000);
    expect(backoffStrategy(1, RETRY_SCHEDULE, new DeliveryFailedError('HTTP 500'), job(1))).toBe(10_000);
    expect(backoffStrategy(1, RETRY_SCHEDULE, new DeliveryFailedError('HTTP 429', 45_000), job(1))).toBe(45_000);
    expect(backoffStrategy(1, RETRY_SCHEDULE, new Error('no retryAfterMs here'), job())).toBe(1_000);
    expect(backoffStrategy(1, 'fixed', undefined, job())).toBe(5_000);
  });
});

describe('slotWaitMs', () => {
  it('doubles from 50 ms with each wait in a row, up to 2 s, plus under 50 ms of jitter', () => {
    expect([0, 1, 2, 5, 6, 20].map((waits) => slotWaitMs(waits, () => 0))).toEqual([50, 100, 200, 1_600, 2_000, 2_000]);
    expect(slotWaitMs(0, () => 0.999_999)).toBe(99);
  });
});
