/**
 * The compiled services (dist/, as the image runs them) against a Kafka and a Redis secured as managed ones are,
 * configured by environment only: a Kafka node of the test's own whose one client listener is SASL_SSL (PLAIN),
 * a Redis of its own that speaks TLS only (`--port 0`), both with a server certificate from a throwaway CA that
 * the services trust through NODE_EXTRA_CA_CERTS. Shown:
 * - every service becomes ready (/readyz: kafka and redis ok), and an article published to the API reaches the
 *   `all` feed: through the API, the enricher and the fanout, over the secured Kafka and Redis both;
 * - a wrong password is a failed start, not a hang: the API exits 1 within budget, saying SASL authentication
 *   failed, and never listens (its readiness cannot be reached, let alone pass).
 * The shared broker and Redis are left alone.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, freePort, isolation } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const INFRA_START_BUDGET_MS = 90_000; // the broker alone starts in ~12 s on an idle machine; several times that under load
const READY_BUDGET_MS = 90_000; // as the healthy start: four Node processes (the enricher loads its models) on 2 cores
const FEED_BUDGET_MS = 30_000; // API → article-events → enricher → article-enriched → fanout → feed
const FAILED_START_BUDGET_MS = 30_000; // Node's start, Redis, then the refused SASL handshake: a few seconds

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'syndicate-secured-'));
const file = (name: string) => join(dir, name);
const iso = isolation();
const TOKEN = `secured-${randomBytes(8).toString('hex')}`;
const PASSWORD = `syndicate-${randomBytes(8).toString('hex')}`;

interface Child {
  name: string;
  child: ChildProcess;
  output: string[];
}
const children: Child[] = [];

/** Starts a process whose stdout and stderr are kept, to be waited on and shown when something fails. */
function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const started: Child = { name, child, output: [] };
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => started.output.push(chunk.toString()));
  children.push(started);
  return started;
}

/** Resolves when the process has written `text`; rejects if it exits first or `timeoutMs` passes. */
function whenWritten({ name, child, output }: Child, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${name} did not say '${text}' within ${timeoutMs} ms:\n${tail(output)}`)), timeoutMs);
    const check = () => output.join('').includes(text) && finish();
    const exited = (code: number | null) => finish(new Error(`${name} exited (${code}) before saying '${text}':\n${tail(output)}`));
    function finish(error?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', exited);
      if (error) reject(error);
      else resolve();
    }
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

const tail = (output: string[]) => output.join('').split('\n').slice(-30).join('\n');

/** Resolves with the process's exit code; rejects if it is still running after `timeoutMs`. */
async function exitCode({ name, child, output }: Child, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  try {
    const [code] = (await once(child, 'exit', { signal: AbortSignal.timeout(timeoutMs) })) as [number | null];
    return code;
  } catch (error) {
    throw new Error(`${name} still running after ${timeoutMs} ms:\n${tail(output)}`, { cause: error });
  }
}

/** A CA, and a certificate it signed for localhost and 127.0.0.1: what a managed service's clients would trust. */
async function makeCertificates(): Promise<void> {
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=Syndicate test CA',
  );
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(
    file('server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  await openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
    '-days',
    '1',
  );
}

/** Redis with TLS only: no plaintext port at all. */
async function startRedis(port: number): Promise<void> {
  const redis = start('redis', 'redis-server', [
    ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--tls-cert-file', file('server.pem'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.pem')],
    ...['--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
  ]);
  await whenWritten(redis, 'Ready to accept connections', INFRA_START_BUDGET_MS);
}

/**
 * One KRaft node from the jars infra/kafka/start.sh runs. Clients reach it on SASL_SSL only (PLAIN, users admin
 * and syndicate), advertised as localhost to match the certificate; the controller and the broker's own
 * listener stay PLAINTEXT on loopback, as inside a managed cluster.
 */
async function startKafka(ports: { client: number; internal: number; controller: number }): Promise<void> {
  await run('bash', [join(root, 'infra/kafka/resolve-jars.sh')]);
  // PEM key store: the key and its certificate in one file.
  writeFileSync(file('keystore.pem'), readFileSync(file('server.key'), 'utf8') + readFileSync(file('server.pem'), 'utf8'));
  const properties = file('server.properties');
  writeFileSync(
    properties,
    `process.roles=broker,controller
node.id=1
listeners=SASL_SSL://127.0.0.1:${ports.client},INTERNAL://127.0.0.1:${ports.internal},CONTROLLER://127.0.0.1:${ports.controller}
advertised.listeners=SASL_SSL://localhost:${ports.client},INTERNAL://127.0.0.1:${ports.internal}
listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:${ports.controller}
log.dirs=${file('kafka-logs')}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
ssl.keystore.type=PEM
ssl.keystore.location=${file('keystore.pem')}
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-${PASSWORD}" user_admin="admin-${PASSWORD}" user_syndicate="${PASSWORD}";
`,
  );
  const classpath = join(root, 'infra/kafka/lib/*');
  const { stdout } = await run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid']);
  const clusterId = stdout.trim().split('\n').at(-1) ?? '';
  await run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', properties]);
  const kafka = start('kafka', 'java', [
    ...['-Xms256m', '-Xmx384m', '-XX:+UseG1GC'], // beside the shared broker, as ownKafka's
    ...['-Dorg.slf4j.simpleLogger.log.kafka=info', '-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn'],
    ...['-cp', classpath, 'kafka.Kafka', properties],
  ]);
  await whenWritten(kafka, 'Kafka Server started', INFRA_START_BUDGET_MS);
}

let kafkaPort: number;
let redisPort: number;

/** A compiled service configured for the secured Kafka and Redis, with `password` for SASL. */
async function startService(name: 'api' | 'enricher' | 'fanout' | 'delivery', password = PASSWORD) {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...iso.env,
    KAFKA_BROKERS: `localhost:${kafkaPort}`,
    KAFKA_SSL: 'true',
    KAFKA_SASL_MECHANISM: 'plain',
    KAFKA_SASL_USERNAME: 'syndicate',
    KAFKA_SASL_PASSWORD: password,
    REDIS_URL: `rediss://localhost:${redisPort}`,
    NODE_EXTRA_CA_CERTS: file('ca.pem'),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    PORT: String(port),
    METRICS_PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SYNDICATE_ADMIN_TOKEN: TOKEN,
    ENRICHER_GROUP_ID: `enricher-${iso.id}`,
    FANOUT_GROUP_ID: `fanout-${iso.id}`,
  };
  delete env.KAFKA_REPLICATION_FACTOR; // one broker: topics at 1, as ensureTopics chooses
  return {
    ...start(name, process.execPath, ['--enable-source-maps', join(root, 'dist', `${name}.js`)], env),
    url: `http://127.0.0.1:${port}`,
  };
}

beforeAll(async () => {
  [kafkaPort, redisPort] = [await freePort(), await freePort()];
  await makeCertificates();
  await Promise.all([startRedis(redisPort), startKafka({ client: kafkaPort, internal: await freePort(), controller: await freePort() })]);
}, INFRA_START_BUDGET_MS + 30_000);

afterAll(() => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a Kafka with SASL_SSL and a Redis with TLS, by configuration', () => {
  it('every service becomes ready, and an article published to the API reaches the feed', {
    timeout: READY_BUDGET_MS + FEED_BUDGET_MS,
  }, async () => {
    const services = [];
    for (const name of ['api', 'enricher', 'fanout', 'delivery'] as const) services.push(await startService(name));
    for (const service of services) {
      const checks = await eventually(
        async () => {
          const response = await fetch(`${service.url}/readyz`);
          return response.ok ? ((await response.json()) as { checks: Record<string, string> }).checks : undefined;
        },
        READY_BUDGET_MS,
        `${service.name} to be ready`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${tail(service.output)}`);
      });
      expect(checks.kafka, service.name).toBe('ok');
      if (service.name !== 'enricher') expect(checks.redis, service.name).toBe('ok'); // the enricher has no Redis
    }

    const api = services[0]!;
    const id = `secured-${iso.id}`;
    const published = await fetch(`${api.url}/v1/articles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, headline: `Secured ${id}`, body: ['Talks in Geneva went on through the night.'], source: 'test' }),
    });
    expect(published.status).toBe(202);
    const feed = await eventually(
      async () => {
        const text = await (await fetch(`${api.url}/feeds/all.json`)).text();
        return text.includes(`Secured ${id}`) ? (JSON.parse(text) as { items: Array<{ title: string }> }) : undefined;
      },
      FEED_BUDGET_MS,
      'the article in the feed',
    );
    expect(feed.items.map((item) => item.title)).toContain(`Secured ${id}`);
  });

  it('a wrong password: the API fails to start (exit 1, SASL authentication failed) instead of hanging', {
    timeout: FAILED_START_BUDGET_MS + 5_000,
  }, async () => {
    const api = await startService('api', 'not-the-password');
    expect(await exitCode(api, FAILED_START_BUDGET_MS)).toBe(1);
    const fatal = api.output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string } })
      .find((line) => line.level === 60);
    expect(fatal?.msg).toBe('failed to start');
    expect(fatal?.err?.message).toMatch(/SASL PLAIN authentication failed/);
    await expect(fetch(`${api.url}/readyz`)).rejects.toThrow(); // it never listened
  });
});
