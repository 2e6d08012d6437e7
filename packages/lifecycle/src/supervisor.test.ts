import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.js';

const node = (code: string) => () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });

/** Resolves when `probe` holds, checking on every log line (the supervisor's events), within a budget. */
function until(lines: string[], probe: () => boolean, budgetMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`not within ${budgetMs} ms; log: ${lines.join(' | ')}`)), budgetMs);
    const check = setInterval(() => {
      if (!probe()) return;
      clearTimeout(deadline);
      clearInterval(check);
      resolve();
    }, 5);
  });
}

describe('Supervisor', () => {
  it('restarts a process that keeps crashing, waiting twice as long each time up to the cap', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      name: 'crasher',
      spawn: node('process.exit(3)'),
      log: (line) => lines.push(line),
      initialBackoffMs: 20,
      maxBackoffMs: 80,
    });
    supervisor.start();
    await until(lines, () => lines.length >= 5, 20_000);
    await supervisor.stop();
    expect(lines.slice(0, 5).map((l) => l.match(/restarting in ([\d.]+) s/)?.[1])).toEqual(['0.02', '0.04', '0.08', '0.08', '0.08']);
    expect(lines[0]).toContain('crasher exited (code 3)');
  }, 30_000);

  it('starts a killed process again, and stop() ends it for good', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      name: 'worker',
      spawn: node('setInterval(() => {}, 1000)'),
      log: (l) => lines.push(l),
      initialBackoffMs: 10,
    });
    supervisor.start();
    const first = supervisor.process;
    first?.kill('SIGKILL');
    await until(lines, () => supervisor.restarts === 1 && supervisor.process !== first && supervisor.process?.pid !== undefined, 20_000);
    expect(lines[0]).toContain('worker exited (SIGKILL); restarting in 0.01 s');
    const second = supervisor.process;
    await supervisor.stop();
    expect(second?.signalCode).toBe('SIGTERM');
    // Stopped on purpose: its exit announced no restart (a restart is announced as the exit is seen).
    expect(lines).toHaveLength(1);
    expect(supervisor.restarts).toBe(1);
  }, 30_000);
});
