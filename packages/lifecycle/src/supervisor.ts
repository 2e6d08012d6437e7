import type { ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  name: string;
  /** Starts the process; called again for every restart. */
  spawn: () => ChildProcess;
  /** Where restarts are announced (they are news: a crash is a bug or an outage somewhere). */
  log: (message: string) => void;
  /** First wait before a restart; doubled for each crash in a row, up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A process that ran this long before crashing counts as healthy again: the next wait starts over. */
  healthyAfterMs?: number;
}

/**
 * Keeps one process running, as a process manager or Kubernetes would: when it exits without being asked
 * to, it is started again after a wait that doubles with every crash in a row (1 s, 2 s, 4 s … 30 s), so a
 * process that cannot start does not spin. `stop()` ends it for good.
 */
export class Supervisor {
  private child?: ChildProcess;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private crashesInARow = 0;
  /** Restarts made so far. */
  restarts = 0;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly healthyAfterMs: number;

  constructor(private readonly options: SupervisorOptions) {
    this.initialBackoffMs = options.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.healthyAfterMs = options.healthyAfterMs ?? 60_000;
  }

  /** The running process, if any. */
  get process(): ChildProcess | undefined {
    return this.child;
  }

  start(): void {
    const startedAt = Date.now();
    const child = this.options.spawn();
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopped) return;
      this.crashesInARow = Date.now() - startedAt >= this.healthyAfterMs ? 1 : this.crashesInARow + 1;
      const waitMs = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (this.crashesInARow - 1));
      this.options.log(
        `${this.options.name} exited (${signal ?? `code ${code}`}); restarting in ${waitMs / 1_000} s` +
          (this.crashesInARow > 1 ? ` (crash ${this.crashesInARow} in a row)` : ''),
      );
      this.timer = setTimeout(() => {
        this.restarts++;
        this.start();
      }, waitMs);
    });
  }

  /** No more restarts; SIGTERM to the process, SIGKILL after `timeoutMs`. Resolves when it has exited. */
  stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => {
        this.options.log(`${this.options.name} did not stop within ${timeoutMs / 1_000} s; killing it`);
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
