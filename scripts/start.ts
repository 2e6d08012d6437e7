/**
 * `npm start`: brings up Kafka and Redis (or uses what already runs), starts every service as its own
 * process, prints where everything is, and on Ctrl-C / SIGTERM stops the services and then whatever
 * infrastructure it started itself.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Supervisor } from '@syndicate/lifecycle/supervisor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVICES = ['api', 'enricher', 'fanout', 'delivery'] as const;
/** Where the services without an HTTP API of their own serve /metrics. */
const METRICS_PORTS: Record<string, string> = { enricher: '9464', fanout: '9465', delivery: '9466' };
const STOP_TIMEOUT_MS = 10_000;
/** A worker's metrics port: <NAME>_METRICS_PORT (e.g. ENRICHER_METRICS_PORT) or the default above. */
const metricsPort = (name: string) => process.env[`${name.toUpperCase()}_METRICS_PORT`] ?? METRICS_PORTS[name];

const log = (message: string) => process.stderr.write(`[syndicate] ${message}\n`);

function startInfrastructure(): string[] {
  log('starting infrastructure (Kafka, Redis)…');
  const out = execFileSync('bash', [join(root, 'infra/up.sh')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

function stopInfrastructure(parts: string[]) {
  if (parts.length === 0) return;
  log(`stopping ${parts.join(' and ')}…`);
  execFileSync('bash', [join(root, 'infra/down.sh'), ...parts], { cwd: root, stdio: 'inherit' });
}

async function waitForReady(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the API did not become ready within ${timeoutMs / 1_000} s`);
}

/**
 * SYNDICATE_SECRET_KEY, or for local use one made on the first run and kept in infra/.data (git-ignored,
 * readable by its owner only): the secrets sealed with it must still open after a restart.
 */
function secretKey(): { key: string; source: string } {
  if (process.env.SYNDICATE_SECRET_KEY) return { key: process.env.SYNDICATE_SECRET_KEY, source: 'SYNDICATE_SECRET_KEY' };
  const file = join(root, 'infra/.data/secret-key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // id:base64key, as Keyring.parse reads it.
    writeFileSync(file, `local1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    log(`generated a secret key into ${file}; keep it, or the webhook secrets sealed with it cannot be read`);
  }
  return { key: readFileSync(file, 'utf8').trim(), source: 'infra/.data/secret-key' };
}

/**
 * What infra/up.sh starts (it reads KAFKA_NODES and KAFKA_PORT from the environment it inherits): one
 * broker on KAFKA_PORT, or with KAFKA_NODES=3 a cluster on KAFKA_PORT, +2 and +4.
 */
function localKafkaBrokers(): string {
  const basePort = Number(process.env.KAFKA_PORT ?? 9092);
  const nodes = process.env.KAFKA_NODES === '3' ? 3 : 1;
  return Array.from({ length: nodes }, (_, n) => `127.0.0.1:${basePort + 2 * n}`).join(',');
}

const startedInfra = startInfrastructure();
const secret = secretKey();
const port = process.env.PORT ?? '8080';
const token = process.env.SYNDICATE_ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
const env = {
  ...process.env,
  PORT: port,
  SYNDICATE_ADMIN_TOKEN: token,
  SYNDICATE_SECRET_KEY: secret.key,
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? localKafkaBrokers(),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  // The API serves feeds and the delivery service pushes them (WebSub): both must name them alike.
  PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`,
};

const supervisors: Supervisor[] = [];
let stopping = false;

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  log('stopping services…');
  await Promise.all(supervisors.map((supervisor) => supervisor.stop(STOP_TIMEOUT_MS)));
  stopInfrastructure(startedInfra);
  log('stopped');
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

// Each service is kept running: one that crashes is started again (after 1 s, then longer while it keeps
// crashing), loudly, while the others go on. In production a process manager or Kubernetes does this.
for (const name of SERVICES) {
  const supervisor = new Supervisor({
    name,
    log,
    spawn: () =>
      // The compiled service (npm run build; start.sh builds first when the sources are newer).
      spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', `${name}.js`)], {
        cwd: root,
        env: METRICS_PORTS[name] ? { ...env, METRICS_PORT: metricsPort(name) } : env,
        // Services log JSON on stdout; pass it through so `npm start | pino-pretty` works.
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
  });
  supervisor.start();
  supervisors.push(supervisor);
}

const apiUrl = `http://127.0.0.1:${port}`;
try {
  await waitForReady(apiUrl, 60_000);
} catch (error) {
  log((error as Error).message);
  await stopAll(1);
}
process.stderr.write(`
  Syndicate is running.

  API           ${apiUrl}            (POST /v1/articles, /v1/subscriptions; OpenAPI at /openapi.json, docs at /docs)
  Feeds         ${apiUrl}/feeds/all.rss  (.atom, .json; WebSub hub at ${apiUrl}/websub)
  Console       ${apiUrl}/console          (sign in with the admin token)
  Ops           ${apiUrl}/ops              (JSON, needs the admin token)
  Health        ${apiUrl}/healthz  ${apiUrl}/readyz  ${apiUrl}/metrics
  Metrics       ${Object.keys(METRICS_PORTS)
    .map((name) => `${name} :${metricsPort(name)}`)
    .join(', ')} (/metrics, /healthz, /readyz)
  Admin token   ${token}  (${process.env.SYNDICATE_ADMIN_TOKEN ? 'SYNDICATE_ADMIN_TOKEN' : 'new each start; set SYNDICATE_ADMIN_TOKEN to keep one'})
  Secret key    ${secret.source}  (encrypts webhook and WebSub secrets at rest; keep it)
  Kafka         ${env.KAFKA_BROKERS}     Redis  ${env.REDIS_URL}

  Try:  SYNDICATE_ADMIN_TOKEN=${token} npx syndicate publish --api ${apiUrl} ../shared/seeds/000_6082e137c817fc36.txt
  Ctrl-C stops everything this command started.

`);
