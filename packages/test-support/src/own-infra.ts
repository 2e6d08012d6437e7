import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@syndicate/redis-runtime';

const root = join(import.meta.dirname, '..', '..', '..');

/** A port nothing listens on now (the system's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
  });
}

/** Runs a command to its end; rejects with its output if it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited with ${code}:\n${output}`))));
  });
}

const pidIn = (file: string) => Number(readFileSync(file, 'utf8').trim());

/**
 * A Redis of the test's own, on a free port with its data in a temporary directory, for tests that stop it or
 * need settings the shared one lacks. Run as the project runs it (AOF, appendfsync everysec, noeviction) unless
 * `args` say otherwise (later arguments win). `kill()` is SIGKILL; `start()` again restarts it on the same data.
 */
export async function ownRedis(args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const pidFile = join(dir, 'redis.pid');
  const redis = {
    url,
    port,
    dir,
    /** Resolves once it answers PING. */
    async start(): Promise<void> {
      await run('redis-server', [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'yes'],
        ...['--pidfile', pidFile, '--logfile', join(dir, 'redis.log')],
        ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'],
        ...args,
      ]);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => {}); // not listening yet: connect() rejects, which is all we need to know
        try {
          await probe.connect();
          if ((await probe.ping()) === 'PONG') return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer: ${String(error)}`);
        } finally {
          probe.disconnect();
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    /** SIGKILL: no shutdown, nothing flushed beyond what AOF already wrote. */
    kill(): void {
      process.kill(pidIn(pidFile), 'SIGKILL');
    },
    /** A restart as an operator does it: SHUTDOWN (the AOF is flushed), then started again on the same data. */
    async restart(): Promise<void> {
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on('error', () => {});
      await admin.shutdown().catch(() => undefined); // the connection closes as it answers
      admin.disconnect();
      await redis.start();
    },
    /** Kills it if running and removes its data. */
    async stop(): Promise<void> {
      try {
        redis.kill();
      } catch {
        // not running
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}

function dead(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true; // no such process
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first base port from `from` (stepping by 100) with `count` free ports after it. */
async function freePortBlock(from: number, count: number): Promise<number> {
  for (let base = from; base < from + 10_000; base += 100) {
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} free ports from ${from}`);
}

/**
 * A Kafka of the test's own, one node or three (`KAFKA_NODES=3`), started by infra/kafka/start.sh (the script
 * `npm start` uses) on free ports with its data in a temporary directory, for tests that kill it; the shared
 * broker is left alone. `start()` resolves once every node says it has started (again, after `kill()`, on
 * the same data: a killed node rejoins with its id).
 */
export async function ownKafka(nodes: 1 | 3 = 1) {
  const dataDir = mkdtempSync(join(tmpdir(), 'syndicate-kafka-'));
  // A cluster's nodes sit on KAFKA_PORT, +2, +4 (controllers one above each).
  const port = nodes === 3 ? await freePortBlock(21_092, 6) : await freePort();
  const controllerPort = nodes === 3 ? port + 1 : await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_NODES: String(nodes),
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    SYNDICATE_DATA_DIR: dataDir,
    KAFKA_HEAP_MB: '384', // beside the shared broker: spare the memory the other tests use
    KAFKA_READY_TIMEOUT_S: '200',
  };
  delete env.KAFKA_REPLICATION_FACTOR;
  const clientPort = (n: number) => port + 2 * (n - 1);
  const pidFile = (n: number) => join(dataDir, nodes === 1 ? 'kafka' : `kafka-${n}`, 'kafka.pid');
  const kafka = {
    brokers: Array.from({ length: nodes }, (_, i) => `127.0.0.1:${clientPort(i + 1)}`).join(','),
    start: async (): Promise<void> => {
      await run('bash', [join(root, 'infra/kafka/start.sh')], env);
    },
    /**
     * SIGKILL to node `n`; resolves once it is dead (a zombie counts: nothing may reap it here) and its port is
     * closed: the socket outlives the zombie a moment, and start.sh would take it for somebody else's broker.
     */
    async kill(n = 1): Promise<void> {
      const pid = pidIn(pidFile(n));
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 10_000;
      while (!(dead(pid) && (await portFree(clientPort(n))))) {
        if (Date.now() > deadline) throw new Error(`kafka node ${n} (pid ${pid}) still there 10 s after SIGKILL`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(): Promise<void> {
      await run('bash', [join(root, 'infra/kafka/stop.sh')], env).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await kafka.start();
  } catch (error) {
    await kafka.stop();
    throw error;
  }
  return kafka;
}
