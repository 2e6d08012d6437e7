import { describe, expect, it } from 'vitest';
import { settleFirstAttempt } from './settle.js';
import { webhookJob } from './testing.js';

const delivery = webhookJob();
const retry = { delayMs: (attemptsMade: number, retryAfterMs?: number) => Math.max(attemptsMade * 1_000, retryAfterMs ?? 0) };

describe('settleFirstAttempt', () => {
  it('leaves a delivered attempt be', () => {
    expect(settleFirstAttempt(delivery, { kind: 'delivered', status: 204 }, 5, retry)).toBeNull();
  });

  it('hands a failure over due at the first retry, with the attempts left, numbered on from the batch’s', () => {
    expect(settleFirstAttempt(delivery, { kind: 'failed', reason: 'HTTP 503' }, 5, retry)).toEqual({
      delivery: { ...delivery, attemptsBefore: 1 },
      attempts: 4,
      delayMs: 1_000,
    });
    expect(settleFirstAttempt(delivery, { kind: 'failed', reason: 'HTTP 429', retryAfterMs: 60_000 }, 5, retry)?.delayMs).toBe(60_000);
  });

  it('makes a failure with no attempts left a dead letter', () => {
    expect(settleFirstAttempt(delivery, { kind: 'failed', reason: 'HTTP 503' }, 1, retry)).toEqual({
      delivery: { ...delivery, deadLetter: 'HTTP 503 (no attempts left)' },
      attempts: 1,
    });
  });

  it('makes an attempt that must not be retried a dead letter at once', () => {
    expect(settleFirstAttempt(delivery, { kind: 'dead', reason: '410 Gone' }, 5, retry)).toEqual({
      delivery: { ...delivery, deadLetter: '410 Gone' },
      attempts: 1,
    });
  });
});
