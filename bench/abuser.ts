/**
 * The abuser for bench/abuse.ts, in a process of its own (its CPU is not the measuring client's), from its
 * own address: `BENCH_ABUSE_RATE` cache-busting feed requests per second (`?before=` a random time) and
 * `BENCH_ABUSE_CALLBACKS` WebSub subscriptions, each to a different callback path on its own server, which
 * answers every verification. Runs until SIGTERM, then prints the status counts as one JSON line.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const api = process.env.BENCH_API_URL as string;
const from = process.env.BENCH_ABUSER_ADDRESS ?? '127.0.0.3';
const rate = Number(process.env.BENCH_ABUSE_RATE ?? 2_000);
const callbacks = Number(process.env.BENCH_ABUSE_CALLBACKS ?? 1_000);
const statuses: Record<string, number> = {};
const count = (what: string) => {
  statuses[what] = (statuses[what] ?? 0) + 1;
};

// The callbacks' server: echoes hub.challenge, accepts pushes.
const server = createServer((req, res) => {
  const challenge = new URL(req.url ?? '/', 'http://x').searchParams.get('hub.challenge');
  count(challenge ? 'verified' : 'pushed');
  req.resume();
  res.writeHead(200).end(challenge ?? '');
});
await new Promise<void>((resolve) => server.listen(0, from, resolve));
const callbackBase = `http://${from}:${(server.address() as { port: number }).port}`;

const pool = new Pool(api, { connections: 64, localAddress: from, pipelining: 1 });
const fire = (label: string, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
  pool
    .request({ path, method: (init.method ?? 'GET') as 'GET', body: init.body, headers: init.headers })
    .then(async (response) => {
      count(`${label} ${response.statusCode}`);
      await response.body.dump();
    })
    .catch(() => count(`${label} error`));

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

// The hub registrations go first, as fast as they are answered, then keep the feed load company.
const hub = (async () => {
  for (let n = 0; n < callbacks && !stopping; n++) {
    await fire('hub', '/websub', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        'hub.mode': 'subscribe',
        'hub.topic': `${api}/feeds/all.atom`,
        'hub.callback': `${callbackBase}/cb/${n}`,
      }).toString(),
    });
  }
})();

// Cache-busting feed requests, paced in 10 ms ticks.
const perTick = rate / 100;
let owed = 0;
const inFlight = new Set<Promise<void>>();
while (!stopping) {
  owed += perTick;
  for (; owed >= 1; owed--) {
    if (inFlight.size >= 2_000) continue; // the server is not answering: do not queue without bound
    const before = Date.UTC(2026, 0, 1) + Math.floor(Math.random() * 1e10);
    const request = fire('feed', `/feeds/all.rss?before=${before}`).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.allSettled([hub, ...inFlight]);
process.stdout.write(`${JSON.stringify(statuses)}\n`);
await pool.close();
server.close();
process.exit(0);
