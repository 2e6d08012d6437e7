export type CheckState = 'ok' | 'down';

export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, CheckState>;
}

export interface ReadinessOptions {
  /** Each resolves when its dependency answers; read at every run, so a test may swap one. */
  checks: Record<string, () => Promise<unknown>>;
  logger: { warn(object: object, message: string): void; info(object: object, message: string): void };
  /** A check that has not answered by then is down: a hung broker must not hang the probe. */
  timeoutMs?: number;
  /** A result is reused for this long, so probes cost milliseconds and the dependencies see one check per interval. */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * The readiness of the process's dependencies, from a result at most `maxAgeMs` old. Concurrent callers share
 * one run (single flight). The result says only ok or down; why a check failed (host names, addresses, driver
 * messages) goes to the log, once each time a check's state or reason changes.
 */
export class Readiness {
  private last?: { at: number; result: ReadinessResult };
  private running?: Promise<ReadinessResult>;
  private readonly reasons = new Map<string, string | undefined>();
  private readonly now: () => number;

  constructor(private readonly options: ReadinessOptions) {
    this.now = options.now ?? Date.now;
  }

  current(): Promise<ReadinessResult> {
    if (this.last && this.now() - this.last.at < (this.options.maxAgeMs ?? 1_000)) return Promise.resolve(this.last.result);
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<ReadinessResult> {
    const startedAt = this.now(); // the result is as old as the moment the checks began
    const timeoutMs = this.options.timeoutMs ?? 1_000;
    const entries = Object.entries(this.options.checks);
    const outcomes = await Promise.allSettled(entries.map(([name, check]) => withTimeout(Promise.resolve().then(check), timeoutMs, name)));
    const checks: Record<string, CheckState> = {};
    outcomes.forEach((outcome, i) => {
      const name = (entries[i] as [string, unknown])[0];
      checks[name] = outcome.status === 'fulfilled' ? 'ok' : 'down';
      this.report(name, outcome.status === 'fulfilled' ? undefined : reasonOf(outcome.reason));
    });
    const result = { ready: Object.values(checks).every((state) => state === 'ok'), checks };
    this.last = { at: startedAt, result };
    return result;
  }

  private report(check: string, reason: string | undefined) {
    const before = this.reasons.get(check);
    this.reasons.set(check, reason);
    if (reason === before) return;
    if (reason !== undefined) this.options.logger.warn({ check, reason }, 'readiness check failed');
    else this.options.logger.info({ check }, 'readiness check ok again');
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
