/**
 * The compiled services (dist/, as `npm start` and the image run them) start against a healthy Kafka and
 * Redis without a single error-level log line or an unhandled-error stack, become ready, and stop cleanly
 * on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { eventually, freePort, isolation } from '@syndicate/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const SERVICES = ['api', 'enricher', 'fanout', 'delivery'] as const;

interface Running {
  name: string;
  child: ChildProcess;
  port: number;
  output: string[];
}

const running: Running[] = [];
afterAll(() => {
  for (const { child } of running) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('a healthy start', () => {
  it('logs nothing at error level, answers /readyz on every service, and stops on SIGTERM', { timeout: 120_000 }, async () => {
    const iso = isolation();
    const apiPort = await freePort();
    for (const name of SERVICES) {
      const port = name === 'api' ? apiPort : await freePort();
      const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', `${name}.js`)], {
        cwd: root,
        env: {
          ...process.env,
          ...iso.env,
          LOG_LEVEL: 'info', // everything a person would see, so an error line cannot hide below the level
          LOG_FORMAT: 'json',
          PORT: String(apiPort),
          METRICS_PORT: String(port),
          PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
          SYNDICATE_ADMIN_TOKEN: `start-${randomBytes(8).toString('hex')}`,
          ENRICHER_GROUP_ID: `enricher-${iso.id}`,
          FANOUT_GROUP_ID: `fanout-${iso.id}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const service: Running = { name, child, port, output: [] };
      for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => service.output.push(chunk.toString()));
      running.push(service);
    }

    for (const { name, port } of running) {
      await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 90_000, `${name} to be ready`);
    }

    for (const { name, output } of running) {
      const lines = output.join('').split('\n').filter(Boolean);
      const errors = lines.filter((line) => !line.startsWith('{') || (JSON.parse(line) as { level: number }).level >= 50);
      expect(errors, `${name} wrote error-level or non-JSON lines`).toEqual([]);
    }

    const exits = running.map(({ child }) => once(child, 'exit') as Promise<[number | null, string | null]>);
    for (const { child } of running) child.kill('SIGTERM');
    const codes = await Promise.all(exits);
    expect(codes.map(([code]) => code)).toEqual(SERVICES.map(() => 0));
  });
});
