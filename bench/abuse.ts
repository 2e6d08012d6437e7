/**
 * `npm run bench:abuse`: what an abuser costs everybody else. The whole service runs (API, enricher, fanout,
 * delivery, each its own process); a newsroom publishes articles at a steady rate to webhook endpoints; a
 * normal reader polls a feed. Phases alternate: quiet, then with an abuser (bench/abuser.ts, its own process
 * and address) sending 2,000 cache-busting feed requests/s and registering 1,000 WebSub callbacks from one
 * host. Reported: the reader's feed p99 and the webhook deliveries/s in each kind of phase, and their ratios
 * (median over the pairs of phases). Goals: p99 within 2× and deliveries ≥ 0.9×.
 *
 * Knobs: BENCH_PAIRS (phase pairs, 3), BENCH_PHASE_SECONDS (10), BENCH_RATE (articles/s, 5),
 * BENCH_ENDPOINTS (20), BENCH_READER_RATE (feed reads/s, 10), BENCH_ABUSE_RATE (2,000), BENCH_ABUSE_CALLBACKS (1,000).
 * BENCH_UNLIMITED=1 lifts the per-client rate limits (as if the abuser came from many addresses), to see what
 * the rest (archive boundaries, the byte-bounded cache, the hub's caps) hold on their own.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { connectRedis } from '@syndicate/redis-runtime';
import { freePort } from '@syndicate/test-support';
import { Agent, request } from 'undici';
import { firstLine, fixed, median, percentile, sleep, spawnScript, stackEnv, table, waitFor } from './support.js';

const root = join(import.meta.dirname, '..');
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const PHASE_MS = Number(process.env.BENCH_PHASE_SECONDS ?? 10) * 1_000;
const ARTICLES_PER_SECOND = Number(process.env.BENCH_RATE ?? 5);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 20);
const READER_RATE = Number(process.env.BENCH_READER_RATE ?? 10);
const ABUSE_RATE = process.env.BENCH_ABUSE_RATE ?? '2000';
const ABUSE_CALLBACKS = process.env.BENCH_ABUSE_CALLBACKS ?? '1000';
const UNLIMITED = process.env.BENCH_UNLIMITED === '1';

const children: ChildProcess[] = [];
function startScript(file: string, env: Record<string, string>): ChildProcess {
  const child = spawnScript(file, env);
  children.push(child);
  return child;
}

const started = execFileSync('bash', [join(root, 'infra/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .split('\n')
  .filter(Boolean);
const id = `abuse${Date.now().toString(36)}`;
const { apiUrl, token, env: stack } = stackEnv(id, await freePort());
const env = {
  ...stack,
  // Both sides on loopback here; on the internet the abuser's callbacks would be public addresses.
  SYNDICATE_WEBSUB_ALLOWLIST: '127.0.0.0/8',
  ...(UNLIMITED ? { RATE_LIMIT_FEEDS: '1000000000', RATE_LIMIT_WEBSUB: '1000000000', RATE_LIMIT_PUBLIC: '1000000000' } : {}),
};
const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const admin = (path: string, body: unknown) =>
  fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

try {
  const receiverProcess = startScript('bench/receiver.ts', {});
  const receiver = `http://127.0.0.1:${await firstLine(receiverProcess)}`;
  const stats = async () => (await (await fetch(`${receiver}/stats`)).json()) as { count: number };
  for (const service of ['api', 'enricher', 'fanout', 'delivery']) startScript(`services/${service}/src/main.ts`, env).stdout?.resume();
  await waitFor(async () => (await fetch(`${apiUrl}/readyz`)).ok, 120_000, 'the API', 200);
  for (let n = 0; n < ENDPOINTS; n++) {
    const created = await admin('/v1/subscriptions', { type: 'webhook', url: `${receiver}/hook/${n}` });
    if (created.status !== 201) throw new Error(`webhook ${n}: ${created.status} ${await created.text()}`);
  }
  let published = 0;
  const publish = () =>
    admin('/v1/articles', {
      id: `abuse-${published}`,
      headline: `A steady story number ${published++}`,
      body: ['Something happened today, and this paragraph says what it was, more or less.'],
    });
  // A feed with archive pages, and every service warm: the first articles delivered everywhere.
  for (let n = 0; n < 40; n++) await publish();
  await waitFor(async () => (await stats()).count >= 40 * ENDPOINTS, 120_000, 'the warm-up deliveries', 200);

  const reader = new Agent({ connect: { localAddress: '127.0.0.2' } });
  async function phase(abused: boolean) {
    let abuser: ChildProcess | undefined;
    if (abused) {
      abuser = startScript('bench/abuser.ts', {
        BENCH_API_URL: apiUrl,
        BENCH_ABUSE_RATE: ABUSE_RATE,
        BENCH_ABUSE_CALLBACKS: ABUSE_CALLBACKS,
      });
      await sleep(1_000); // at full rate before the measuring starts
    }
    const before = (await stats()).count;
    const latencies: number[] = [];
    const startedAt = Date.now();
    const publisher = (async () => {
      for (let n = 0; Date.now() - startedAt < PHASE_MS; n++) {
        const due = startedAt + (n * 1_000) / ARTICLES_PER_SECOND;
        if (due > Date.now()) await sleep(due - Date.now());
        await publish();
      }
    })();
    const readerLoop = (async () => {
      for (let n = 0; Date.now() - startedAt < PHASE_MS; n++) {
        const due = startedAt + (n * 1_000) / READER_RATE;
        if (due > Date.now()) await sleep(due - Date.now());
        const t = performance.now();
        const response = await request(`${apiUrl}/feeds/all.rss`, { dispatcher: reader, headers: { 'accept-encoding': 'gzip' } });
        await response.body.dump();
        if (response.statusCode !== 200) throw new Error(`the normal reader got ${response.statusCode}`);
        latencies.push(performance.now() - t);
      }
    })();
    await Promise.all([publisher, readerLoop]);
    const elapsedS = (Date.now() - startedAt) / 1_000;
    const deliveries = ((await stats()).count - before) / elapsedS;
    let abuserCounts: Record<string, number> = {};
    if (abuser) {
      const summary = firstLine(abuser);
      abuser.kill('SIGTERM');
      abuserCounts = JSON.parse(await summary) as Record<string, number>;
    }
    // Let the pipeline catch up so a phase does not inherit the last one's backlog.
    await waitFor(async () => (await stats()).count >= published * ENDPOINTS, 120_000, 'the backlog', 200);
    const result = { abused, p99: percentile(latencies, 0.99), p50: percentile(latencies, 0.5), deliveries, abuserCounts };
    console.error(JSON.stringify(result, (_k, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)));
    return result;
  }

  const pairs: Array<{ quiet: Awaited<ReturnType<typeof phase>>; abused: Awaited<ReturnType<typeof phase>> }> = [];
  for (let pair = 0; pair < PAIRS; pair++) pairs.push({ quiet: await phase(false), abused: await phase(true) });
  const hubSubscriptions = (await redis.keys(`${id}:{websub}:subs:*`)).length;

  console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log(
    `${PAIRS} pairs of ${PHASE_MS / 1_000} s phases${UNLIMITED ? ', per-client rate limits lifted' : ''}; ${ARTICLES_PER_SECOND} articles/s to ${ENDPOINTS} endpoints; a reader polling /feeds/all.rss ${READER_RATE}/s; the abuser ${ABUSE_RATE} cache-busting feed requests/s and ${ABUSE_CALLBACKS} hub callbacks from one host:\n`,
  );
  const m = (f: (p: (typeof pairs)[number]) => number, digits = 1) => fixed(median(pairs.map(f)), digits);
  console.log(
    table(
      ['', 'reader feed p50 ms', 'reader feed p99 ms', 'webhook deliveries/s'],
      [
        ['no abuser', m((p) => p.quiet.p50), m((p) => p.quiet.p99), m((p) => p.quiet.deliveries, 0)],
        ['abuser', m((p) => p.abused.p50), m((p) => p.abused.p99), m((p) => p.abused.deliveries, 0)],
        ['ratio (median of pairs)', '', m((p) => p.abused.p99 / p.quiet.p99, 2), m((p) => p.abused.deliveries / p.quiet.deliveries, 2)],
      ],
    ),
  );
  const last = pairs.at(-1)?.abused.abuserCounts ?? {};
  console.log(`\nWhat the abuser got in the last phase: ${JSON.stringify(last)}; hub subscription sets in Redis: ${hubSubscriptions}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await sleep(500);
  const keys = await redis.keys(`${id}:*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
  if (started.length > 0) execFileSync('bash', [join(root, 'infra/down.sh'), ...started], { stdio: 'inherit' });
}
