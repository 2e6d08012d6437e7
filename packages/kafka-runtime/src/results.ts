/**
 * What a pipeline step says about one message. Only the consumer loop acts on it: it commits, or writes
 * to the dead-letter topic. Exhaustive switches over `kind` keep new outcomes from being ignored.
 */
export type StepResult =
  | { kind: 'ok' }
  /** Deliberately skipped (e.g. a stale version); committed, nothing else. */
  | { kind: 'drop'; reason: string }
  /** The message can never be processed; it goes to `<topic>.dlq` with the reason. */
  | { kind: 'dlq'; reason: string; stage: string };

export const ok = (): StepResult => ({ kind: 'ok' });
export const drop = (reason: string): StepResult => ({ kind: 'drop', reason });
export const deadLetter = (stage: string, reason: string): StepResult => ({ kind: 'dlq', stage, reason });

/**
 * The world is failing, not the message (a broker or Redis away): the loop retries the message in place and
 * never dead-letters it. Any other error thrown by a step dead-letters the message.
 */
export class TransientError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}
