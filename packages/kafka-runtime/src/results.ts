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

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True for errors that say a dependency (Kafka, Redis, the network) is unwell rather than that the message
 * is bad: kafkajs errors it marks retriable, its connection errors, ioredis giving up on a command or a
 * closed connection, and socket errors.
 */
export function isInfrastructureError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string; retriable?: boolean };
  if (e.retriable === true || e.name === 'BusUnavailableError') return true;
  // kafkajs wraps what made it give up (a connection refused while reconnecting, say) in a non-retriable error.
  if (depth < 5 && e.cause !== undefined && isInfrastructureError(e.cause, depth + 1)) return true;
  if (e.name.startsWith('KafkaJS') && /Connection|Broker|Request|Timeout|NumberOfRetries/.test(e.name)) return true;
  if (e.name === 'MaxRetriesPerRequestError' || /Connection is closed|Stream isn't writeable/.test(e.message)) return true;
  return e.code !== undefined && NETWORK_CODES.has(e.code);
}

/** Rethrows an infrastructure error as a TransientError (retried in place); anything else as it is. */
export function classifyFailure(error: unknown): never {
  if (isInfrastructureError(error)) throw new TransientError(error instanceof Error ? error.message : String(error), { cause: error });
  throw error;
}

/** Whether a promise fulfils (true) or rejects (false); never rejects itself. */
export const succeeded = (promise: Promise<unknown>): Promise<boolean> =>
  promise.then(
    () => true,
    () => false,
  );
