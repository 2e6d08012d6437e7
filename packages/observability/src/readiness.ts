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
  /** Without `start()`: a result is reused for this long, so probes cost milliseconds and the dependencies see one check per interval. */
  maxAgeMs?: number;
  /** After `start()`: the checks run this often in the background, and probes never wait for them. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * The readiness of the process's dependencies. Concurrent callers share one run (single flight). Started, it
 * checks every `intervalMs` in the background, so an answer never waits on a dependency and `isDown` tells
 * request handlers at once that one is away (they fail fast instead of waiting on it); not started, it checks
 * on demand, reusing a result for `maxAgeMs`. The result says only ok or down; why a check failed (host names,
 * addresses, driver messages) goes to the log, once each time a check's state or reason changes.
 */
export class Readiness {
  private last?: { at: number; result: ReadinessResult };
  private running?: Promise<ReadinessResult>;
  private readonly reasons = new Map<string, string | undefined>();
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private started = false;

  constructor(private readonly options: ReadinessOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Checks now and then every `intervalMs` until `stop()`; resolves with the first result. */
  start(): Promise<ReadinessResult> {
    if (!this.started) {
      this.started = true;
      const loop = () => {
        if (!this.started) return;
        this.timer = setTimeout(() => void this.refresh().finally(loop), this.options.intervalMs ?? 500);
        this.timer.unref();
      };
      void this.refresh().finally(loop);
    }
    return this.current();
  }

  stop(): void {
    this.started = false;
    clearTimeout(this.timer);
  }

  current(): Promise<ReadinessResult> {
    if (this.last && (this.started || this.now() - this.last.at < (this.options.maxAgeMs ?? 1_000)))
      return Promise.resolve(this.last.result);
    return this.refresh();
  }

  /** True when the latest result calls the check down (false before there is a result: innocent until shown down). */
  isDown(check: string): boolean {
    return this.last?.result.checks[check] === 'down';
  }

  private refresh(): Promise<ReadinessResult> {
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
