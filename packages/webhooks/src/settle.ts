import type { AttemptResult } from './endpoint-caller.js';
import type { WebhookJob } from './jobs.js';
import type { RetryPolicy } from './retry.js';

/** A delivery for its endpoint's own queue: the attempts it has left and, when not due at once, how long it waits. */
export interface HandOver {
  delivery: WebhookJob;
  attempts: number;
  delayMs?: number;
}

/**
 * The settle step after a batch's first attempt (`attempts`: all the batch gives each delivery). Delivered,
 * nothing follows. Failed, the delivery goes to its endpoint's queue due at the first retry, its attempts
 * numbered on from this one, or, with no attempts left, as a dead letter; one that must not be tried again
 * (410 Gone, a refused address) goes there as a dead letter at once. A dead letter is a job that fails for
 * good when it runs and stays in the endpoint's failed set, replayable like any other.
 */
export function settleFirstAttempt(
  delivery: WebhookJob,
  result: AttemptResult,
  attempts: number,
  retry: Pick<RetryPolicy, 'delayMs'>,
): HandOver | null {
  switch (result.kind) {
    case 'delivered':
      return null;
    case 'failed':
      return attempts > 1
        ? { delivery: { ...delivery, attemptsBefore: 1 }, attempts: attempts - 1, delayMs: retry.delayMs(1, result.retryAfterMs) }
        : { delivery: { ...delivery, deadLetter: `${result.reason} (no attempts left)` }, attempts: 1 };
    case 'dead':
      return { delivery: { ...delivery, deadLetter: result.reason }, attempts: 1 };
  }
}
