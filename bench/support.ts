import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Helpers for the benchmark scripts: medians, and a markdown table for docs/benchmarks.md. */
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const fixed = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * What the four services need to run as one stack in a name space of their own (`id`), the API on `port`,
 * with loopback webhook endpoints allowed: the benchmarks' receivers run on this machine.
 */
export function stackEnv(id: string, port: number) {
  const apiUrl = `http://127.0.0.1:${port}`;
  const token = randomBytes(24).toString('base64url');
  return {
    apiUrl,
    token,
    env: {
      TOPIC_PREFIX: `${id}.`,
      REDIS_KEY_PREFIX: `${id}:`,
      PORT: String(port),
      PUBLIC_BASE_URL: apiUrl,
      SYNDICATE_ADMIN_TOKEN: token,
      SYNDICATE_SECRET_KEY: `k1:${randomBytes(32).toString('base64')}`,
      SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
      ENRICHER_GROUP_ID: `enricher-${id}`,
      FANOUT_GROUP_ID: `fanout-${id}`,
    },
  };
}

/** The value below which a share `p` of `values` lies (nearest rank); 0 for none. */
export const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks `probe` every `everyMs` until it says true (a probe that throws counts as not yet), or fails after `timeoutMs`. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The first thing a child writes on stdout (a receiver prints its port there). */
export const firstLine = (child: ChildProcess) =>
  new Promise<string>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())));

/** A TypeScript script of the repository (a service's main.ts, a receiver) as a child process, logging at BENCH_LOG_LEVEL. */
export function spawnScript(file: string, env: Record<string, string>, nodeFlags: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(root, file)], {
    env: { ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** SIGTERM to each child, SIGKILL to one still running 15 s later; resolves when all have exited. */
export async function stopProcesses(children: ChildProcess[]) {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve(undefined);
            });
          }),
    ),
  );
}
