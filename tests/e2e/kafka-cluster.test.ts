/**
 * A three-node Kafka cluster (`KAFKA_NODES=3`), started and stopped by the same scripts as `npm start`, on
 * ports of its own and in a temporary data directory, so the shared single broker is left alone:
 * - three brokers answer, each a combined broker+controller;
 * - ensureTopics creates topics at replication factor 3 with min.insync.replicas=2;
 * - nothing acknowledged is lost when a node is killed (SIGKILL) in the middle of a run of acks=all sends:
 *   the producer retries through the failover and a consumer reads every key;
 * - the node, started again with its node id and data, rejoins: three brokers, every replica in sync.
 * Slow on purpose (three JVMs on a small machine): each step has a generous budget of its own.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPACTED, ConfigResourceTypes, type Consumer, createKafka, ensureTopics, KeyedProducer } from '@syndicate/kafka-runtime';
import { createLogger } from '@syndicate/observability';
import { eventually } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NODES = [1, 2, 3] as const;
const MESSAGES = 200;
const START_BUDGET_MS = 240_000; // three JVMs formatting and starting at once on two busy cores
const STEP_BUDGET_MS = 180_000;

const root = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'syndicate-kafka-cluster-'));
const basePort = await freeBasePort();
const brokers = NODES.map((n) => `127.0.0.1:${basePort + 2 * (n - 1)}`);
const clusterEnv: NodeJS.ProcessEnv = {
  ...process.env,
  KAFKA_NODES: '3',
  KAFKA_PORT: String(basePort),
  KAFKA_CONTROLLER_PORT: String(basePort + 1),
  SYNDICATE_DATA_DIR: dataDir,
  KAFKA_HEAP_MB: '384', // three brokers at once: spare the memory the other tests use
  KAFKA_READY_TIMEOUT_S: String(START_BUDGET_MS / 1_000 - 30),
};
delete clusterEnv.KAFKA_REPLICATION_FACTOR; // the factor must come from the brokers counted here

const id = `kc${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const topic = `${id}.keyed`;
// The kill makes kafkajs log connection errors by design; LOG_LEVEL=warn shows them.
const kafka = createKafka({ brokers, clientId: id, logger: createLogger('kafka-cluster', process.env.LOG_LEVEL ?? 'fatal') });
// Fails fast: `eventually` polls it again, whereas kafkajs' own retries would wait tens of seconds on a dead broker.
const admin = kafka.admin({ retry: { initialRetryTime: 100, retries: 2 } });
const producer = new KeyedProducer(kafka);
let consumer: Consumer | undefined;

/** The first of 19092, 19192, … whose six ports (three client, three controller) are all free. */
async function freeBasePort(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let base = 19_092; base < 29_092; base += 100) {
    const ports = [0, 1, 2, 3, 4, 5].map((offset) => base + offset);
    if ((await Promise.all(ports.map(free))).every(Boolean)) return base;
  }
  throw new Error('no six free ports for a test cluster');
}

/** Runs an infra script with the cluster's environment; rejects with its output if it fails. */
function infra(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(root, 'infra', script)], { env: clusterEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}:\n${output}`))));
  });
}

const nodeFile = (n: number, file: string) => join(dataDir, `kafka-${n}`, file);
const pidOf = (n: number) => Number(readFileSync(nodeFile(n, 'kafka.pid'), 'utf8'));
const clusterIdOf = (n: number) => /^cluster\.id=(.+)$/m.exec(readFileSync(nodeFile(n, 'logs/meta.properties'), 'utf8'))?.[1];
const brokerIds = async () => (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort();
/** The ids of the brokers in the cluster, once there are `count` of them. */
const waitForBrokers = (count: number, timeoutMs: number) =>
  eventually(async () => ((await brokerIds()).length === count ? brokerIds() : undefined), timeoutMs, `${count} brokers`);
const partitionsOf = async (name: string) => (await admin.fetchTopicMetadata({ topics: [name] })).topics[0]?.partitions ?? [];

async function topicConfig(name: string, configName: string): Promise<string | undefined> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: [configName] }],
  });
  return resources[0]?.configEntries.find((e) => e.configName === configName)?.configValue;
}

describe('a three-node Kafka cluster (KAFKA_NODES=3)', () => {
  beforeAll(async () => {
    try {
      await infra('kafka/start.sh');
    } catch (error) {
      await infra('kafka/stop.sh').catch(() => {});
      throw error;
    }
    await admin.connect();
  }, START_BUDGET_MS);

  // Always, even when a step failed: no JVM outlives the test, and nothing of it stays on disk.
  afterAll(async () => {
    await Promise.allSettled([consumer?.disconnect(), producer.stop(), admin.disconnect()]);
    try {
      await infra('kafka/stop.sh');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it(
    'runs three brokers from three data directories of one cluster, on KAFKA_PORT, +2 and +4',
    async () => {
      expect(await waitForBrokers(3, 60_000)).toEqual([1, 2, 3]);
      const { brokers: described } = await admin.describeCluster();
      expect(described.map((b) => b.port).sort()).toEqual([basePort, basePort + 2, basePort + 4]);
      expect(new Set(NODES.map(clusterIdOf)).size).toBe(1);
      for (const n of NODES) expect(pidOf(n)).toBeGreaterThan(0);
    },
    STEP_BUDGET_MS,
  );

  it(
    'creates the services’ topics at replication factor 3 with min.insync.replicas=2',
    async () => {
      await ensureTopics(kafka, [{ topic }, { topic: `${id}.compacted`, numPartitions: 1, config: COMPACTED }]);
      for (const name of [topic, `${id}.compacted`]) {
        const partitions = await partitionsOf(name);
        expect(partitions.length).toBeGreaterThan(0);
        for (const p of partitions) expect(p.replicas).toHaveLength(3);
        expect(await topicConfig(name, 'min.insync.replicas')).toBe('2');
      }
      // The spec's own settings are kept beside it.
      expect(await topicConfig(`${id}.compacted`, 'cleanup.policy')).toBe('compact');
    },
    STEP_BUDGET_MS,
  );

  it(
    `loses nothing acknowledged when a node is killed mid-run: ${MESSAGES} acks=all sends, all ${MESSAGES} keys read`,
    async () => {
      // The victim leads partition 0, so sends after the kill must wait for a new leader and retry.
      const victim = (await partitionsOf(topic)).find((p) => p.partitionId === 0)?.leader;
      expect(NODES).toContain(victim);

      // The consumer joins before the kill: the group's offsets topic (RF 3) cannot be created with a node down.
      const keys = new Set<string>();
      const reader = kafka.consumer({ groupId: `${id}-reader`, maxWaitTimeInMs: 100 });
      consumer = reader;
      const joined = new Promise<void>((resolve) => reader.on(reader.events.GROUP_JOIN, () => resolve()));
      await reader.connect();
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({ autoCommit: false, eachMessage: async ({ message }) => void keys.add(message.key?.toString() ?? '') });
      await joined;

      await producer.start();
      let slowestSendMs = 0;
      for (let i = 0; i < MESSAGES; i++) {
        if (i === MESSAGES / 2) process.kill(pidOf(victim as number), 'SIGKILL');
        const started = Date.now();
        // Resolves only once the in-sync replicas (at least 2 of 3) have it; kafkajs retries through the failover.
        await producer.send(topic, [{ key: `key-${i}`, value: `value-${i}`, headers: {} }]);
        slowestSendMs = Math.max(slowestSendMs, Date.now() - started);
      }
      process.stderr.write(`[kafka-cluster] killed node ${victim} after ${MESSAGES / 2} sends; slowest send ${slowestSendMs} ms\n`);

      // No message lost: every key acknowledged is read back, with the node still down.
      await eventually(() => (keys.size >= MESSAGES ? true : undefined), STEP_BUDGET_MS / 2, `${MESSAGES} keys`);
      expect([...keys].sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => `key-${i}`).sort());
      // The controllers noticed: the dead broker's session expired and it left the cluster.
      expect(await waitForBrokers(2, 60_000)).not.toContain(victim);
      await eventually(
        async () => ((await partitionsOf(topic)).every((p) => p.isr.length === 2 && !p.isr.includes(victim as number)) ? true : undefined),
        60_000,
        `node ${victim} out of every in-sync replica set`,
      );
    },
    STEP_BUDGET_MS,
  );

  it(
    'starts the killed node again with its id and data; it rejoins and its replicas catch up (ISR 3)',
    async () => {
      const [dead] = NODES.filter((n) => {
        try {
          process.kill(pidOf(n), 0);
          return false;
        } catch {
          return true;
        }
      });
      expect(dead).toBeDefined();
      const clusterId = clusterIdOf(dead as number);
      await infra('kafka/start.sh'); // starts only the node that is not running
      expect(clusterIdOf(dead as number)).toBe(clusterId);
      expect(await waitForBrokers(3, 90_000)).toEqual([1, 2, 3]);
      await eventually(
        async () => ((await partitionsOf(topic)).every((p) => p.isr.length === 3) ? true : undefined),
        90_000,
        'every partition of the topic with three in-sync replicas',
      );
    },
    STEP_BUDGET_MS,
  );
});
