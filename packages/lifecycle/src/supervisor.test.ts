import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Supervisor } from './supervisor.js';

const node = (code: string) => () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });

/**
 * The supervisor's log, and a wait for its next lines: each line is the event that a process exited (the
 * processes are real, so are their exits). The wait has no budget of its own: the test's timeout bounds it.
 */
function log() {
  const lines: string[] = [];
  const waiting: Array<() => void> = [];
  return {
    lines,
    write: (line: string) => {
      lines.push(line);
      for (const wake of waiting.splice(0)) wake();
    },
    until: (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => (lines.length >= count ? resolve() : waiting.push(check));
        check();
      }),
  };
}

// The waits between restarts run on fake timers: a restart is checked at the very millisecond it is due, and
// not one before. Only setTimeout is faked; child processes and their exits are real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Supervisor', () => {
  // Five real processes started and crashed one after the other: seconds on a loaded 2-core machine.
  it('restarts a process that keeps crashing, waiting twice as long each time up to the cap', async () => {
    const { lines, write, until } = log();
    const supervisor = new Supervisor({
      name: 'crasher',
      spawn: node('process.exit(3)'),
      log: write,
      initialBackoffMs: 20,
      maxBackoffMs: 80,
    });
    supervisor.start();
    for (const [n, waitMs] of [20, 40, 80, 80, 80].entries()) {
      await until(n + 1);
      expect(lines[n]).toContain(`crasher exited (code 3); restarting in ${waitMs / 1_000} s`);
      await vi.advanceTimersByTimeAsync(waitMs - 1);
      expect(supervisor.restarts).toBe(n);
      await vi.advanceTimersByTimeAsync(1);
      expect(supervisor.restarts).toBe(n + 1);
    }
    await supervisor.stop();
    expect(lines[1]).toContain('(crash 2 in a row)');
  }, 30_000);

  it('starts a killed process again, and stop() ends it for good', async () => {
    const { lines, write, until } = log();
    const supervisor = new Supervisor({ name: 'worker', spawn: node('setInterval(() => {}, 1000)'), log: write, initialBackoffMs: 10 });
    supervisor.start();
    const first = supervisor.process;
    first?.kill('SIGKILL');
    await until(1);
    expect(lines[0]).toContain('worker exited (SIGKILL); restarting in 0.01 s');
    await vi.advanceTimersByTimeAsync(10);
    expect(supervisor.restarts).toBe(1);
    const second = supervisor.process;
    expect(second).not.toBe(first);
    expect(second?.pid).toBeDefined();
    await supervisor.stop();
    expect(second?.signalCode).toBe('SIGTERM');
    // Stopped on purpose: its exit announced no restart (a restart is announced as the exit is seen, and
    // stop() resolves only after that exit).
    expect(lines).toHaveLength(1);
    expect(supervisor.restarts).toBe(1);
  }, 30_000);
});
