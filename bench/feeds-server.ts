/**
 * Feed server throughput: requests/s for a 50-item feed, full responses and 304s, against a bare node:http
 * server returning the same bytes, both in child processes, loaded by autocannon from this process in
 * alternating rounds; medians. Needs Kafka and Redis (started here if absent, stopped after).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@syndicate/config';
import { FeedStore } from '@syndicate/feed-store';
import { connectRedis } from '@syndicate/redis-runtime';
import autocannon from 'autocannon';
import { benchItems } from './fixtures.js';
import { fixed, median, table } from './support.js';

const root = join(import.meta.dirname, '..');
const ROUNDS = 3;
const SECONDS = 4;
const CONNECTIONS = 32;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

async function waitFor(url: string) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

const load = (url: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers }, (error, result) =>
      error ? reject(error) : resolve(result.requests.average),
    );
  });

export async function serverBenchmark(): Promise<string> {
  const started = execFileSync('bash', [join(root, 'infra/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .split('\n')
    .filter(Boolean);
  const children: ChildProcess[] = [];
  const prefix = `bench:${Date.now()}:`;
  const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const store = new FeedStore({ redis, keyPrefix: prefix });
    for (const item of benchItems(50)) await store.put(item, []);

    const port = await freePort();
    const api = spawn(process.execPath, ['--import', 'tsx', join(root, 'services/api/src/main.ts')], {
      env: {
        ...process.env,
        PORT: String(port),
        SYNDICATE_ADMIN_TOKEN: 'bench-token-0123456789',
        SYNDICATE_SECRET_KEY: Keyring.generateEntry('bench'),
        // One client at tens of thousands of requests/s: the limit is counted (its cost is measured) but never reached.
        RATE_LIMIT_FEEDS: '1000000000',
        REDIS_KEY_PREFIX: prefix,
        TOPIC_PREFIX: `bench-${Date.now()}.`,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(api);
    const apiUrl = `http://127.0.0.1:${port}/feeds/all.rss`;
    await waitFor(apiUrl);
    const first = await fetch(apiUrl, { headers: { 'accept-encoding': 'identity' } });
    const bytes = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get('etag') ?? '';
    const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'feed.rss');
    writeFileSync(file, bytes);

    const bare = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'bench/bare-server.ts'),
        file,
        etag,
        first.headers.get('content-type') ?? '',
        first.headers.get('last-modified') ?? '',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(bare);
    const barePort = await new Promise<number>((resolve) => bare.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    bare.stdout?.resume(); // drained from here on: a full pipe would block the server's writes
    const bareUrl = `http://127.0.0.1:${barePort}/feeds/all.rss`;

    const cases = [
      ['full response', { 'accept-encoding': 'identity' }],
      ['304 Not Modified', { 'accept-encoding': 'identity', 'if-none-match': etag }],
    ] as const;
    const rows = [];
    for (const [label, headers] of cases) {
      const ours: number[] = [];
      const baseline: number[] = [];
      await load(apiUrl, headers); // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        ours.push(await load(apiUrl, headers));
        baseline.push(await load(bareUrl, headers));
      }
      rows.push([label, fixed(median(ours)), fixed(median(baseline)), fixed(median(ours) / median(baseline), 2)]);
    }
    return `Feed server, 50-item RSS feed (${fixed(bytes.length / 1024)} KB), ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s, medians:\n\n${table(['request', 'Syndicate req/s', 'bare node:http req/s', 'ratio'], rows)}`;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    if (started.length > 0) execFileSync('bash', [join(root, 'infra/down.sh'), ...started], { stdio: 'inherit' });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await serverBenchmark());
