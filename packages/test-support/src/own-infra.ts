import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

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

/**
 * A single-node Kafka of the test's own, started by infra/kafka/start.sh (the script `npm start` uses) on free
 * ports with its data in a temporary directory, for tests that kill it; the shared broker is left alone.
 * `start()` resolves once the broker says it has started (again, after `kill()`, on the same data).
 */
export async function ownKafka() {
  const dataDir = mkdtempSync(join(tmpdir(), 'syndicate-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_NODES: '1',
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    SYNDICATE_DATA_DIR: dataDir,
    KAFKA_HEAP_MB: '384', // beside the shared broker: spare the memory the other tests use
  };
  delete env.KAFKA_REPLICATION_FACTOR;
  const kafka = {
    brokers: `127.0.0.1:${port}`,
    start: async (): Promise<void> => {
      await run('bash', [join(root, 'infra/kafka/start.sh')], env);
    },
    kill(): void {
      process.kill(pidIn(join(dataDir, 'kafka', 'kafka.pid')), 'SIGKILL');
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
