import { RETRY_SCHEDULE, retryDelayMs, type WebhookJob } from './jobs.js';

/**
 * A failed attempt from an endpoint's queue, thrown to BullMQ: the job is retried on the schedule, or after
 * the endpoint's Retry-After if that is longer (the error carries it to the backoff strategy).
 */
export class DeliveryFailedError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The retry step: when a failed delivery is tried again (the configured schedule with jitter, or a longer Retry-After). */
export class RetryPolicy {
  constructor(
    private readonly scheduleMs: number[],
    private readonly jitter: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before retry number `attemptsMade` of a delivery (1: the retry after its first attempt). */
  delayMs(attemptsMade: number, retryAfterMs?: number): number {
    return retryDelayMs(attemptsMade, this.scheduleMs, this.jitter, retryAfterMs, this.random);
  }

  /**
   * BullMQ's backoff strategy for the endpoints' queues: the schedule, counted from the delivery's first
   * attempt, which a batch may have made before the job existed.
   */
  readonly backoffStrategy = (attemptsMade: number, type?: string, error?: Error, job?: { data: WebhookJob }): number =>
    type === RETRY_SCHEDULE
      ? this.delayMs(attemptsMade + (job?.data.attemptsBefore ?? 0), error instanceof DeliveryFailedError ? error.retryAfterMs : undefined)
      : 5_000;
}

/**
 * How long a queued delivery that found every slot of its endpoint taken waits before it looks again,
 * without using up an attempt: 50 ms, twice as long each time it found none, up to 2 s (so the jobs of an
 * endpoint whose slots hang wait rather than spin), and up to 50 ms more at random (so they do not all look
 * at once).
 */
export function slotWaitMs(waits: number, random: () => number = Math.random): number {
  return Math.min(2_000, 50 * 2 ** waits) + Math.floor(random() * 50);
}
