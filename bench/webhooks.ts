/**
 * `npm run bench:webhooks`. Two measurements, each against a baseline or goal in the same run:
 *
 * 1. Throughput: deliveries/s from our delivery worker (BullMQ queue, signing, SSRF-guarded undici agent,
 *    attempt log) to one local endpoint, against a bare undici loop POSTing the same payloads with the same
 *    concurrency to the same receiver. Goal ≥ 0.5 of the loop. A third sender shows the floor of any design
 *    with one BullMQ job per delivery: a BullMQ worker whose jobs do nothing but that same POST.
 * 2. Latency: publish-to-receipt p50/p99 with articles published at a steady rate, each fanned out to many
 *    endpoints, through the enricher, the fanout and the delivery service (separate processes). Goal: p99 <
 *    250 ms at 50 articles/s to 100 endpoints.
 *
 * Needs Kafka and Redis (started here if absent, stopped after). The receiver runs in its own process.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { connectRedis } from '@syndicate/config';
import { newEventAttributes, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { createKafka, ensureTopics, KeyedProducer } from '@syndicate/kafka-runtime';
import { createLogger } from '@syndicate/observability';
import { SubscriptionWriter } from '@syndicate/subscriptions';
import { generateSecret, webhookBody, webhookQueueName } from '@syndicate/webhooks';
import { Queue, Worker } from 'bullmq';
import { Agent, request } from 'undici';
import { fixed, median, table } from './support.js';

const root = join(import.meta.dirname, '..');
const THROUGHPUT_JOBS = Number(process.env.BENCH_JOBS ?? 3_000);
const CONCURRENCY = 50;
const RATE_PER_SECOND = Number(process.env.BENCH_RATE ?? 50);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

const children: ChildProcess[] = [];
function spawnService(file: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, file)], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  // Drained (what firstLine does not read is dropped): a child whose stdout pipe fills up blocks in its
  // next synchronous log write, and one did, at shutdown, when its Kafka went away and it logged about it.
  child.stdout?.resume();
  return child;
}
const firstLine = (child: ChildProcess) =>
  new Promise<string>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())));
const stats = async (base: string) => (await (await fetch(`${base}/stats`)).json()) as { count: number; latencies: number[] };
const waitFor = async (probe: () => Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

const started = execFileSync('bash', [join(root, 'infra/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .split('\n')
  .filter(Boolean);
const id = `bench${Date.now().toString(36)}`;
const env = { TOPIC_PREFIX: `${id}.`, REDIS_KEY_PREFIX: `${id}:`, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8' };
const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const logger = createLogger('bench', 'warn');
const kafka = createKafka({ brokers: [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'], clientId: 'bench', logger });
const producer = new KeyedProducer(kafka);
const topics = topicNames(env.TOPIC_PREFIX);

try {
  const receiverProcess = spawnService('bench/receiver.ts', {});
  const receiver = `http://127.0.0.1:${await firstLine(receiverProcess)}`;
  await ensureTopics(kafka, [
    { topic: topics.subscriptions, numPartitions: 1 },
    { topic: topics.articleEvents },
    { topic: topics.articleEnriched },
  ]);
  await producer.start();
  const writer = new SubscriptionWriter(producer, topics.subscriptions);
  const endpoint = (n: number) => ({
    id: `ep${n}`,
    type: 'webhook' as const,
    url: `${receiver}/hook/${n}`,
    secret: generateSecret(),
    maxConcurrency: CONCURRENCY,
    previousSecrets: [],
    paused: false,
    createdAt: new Date().toISOString(),
  });

  // 1. Throughput: one endpoint, jobs already queued, the delivery service drains them.
  await writer.put(endpoint(0));
  const body = webhookBody('article.published', { id: 'bench', headline: 'Throughput', body: ['x'.repeat(2_000)] });
  const queue = new Queue(webhookQueueName('ep0'), { connection: redis, prefix: `${env.REDIS_KEY_PREFIX}bull` });
  const rounds: Array<{ ours: number; loop: number; bullmqOnly: number }> = [];
  spawnService('services/delivery/src/main.ts', env);
  for (let round = 0; round < 3; round++) {
    await fetch(`${receiver}/reset`, { method: 'POST' });
    await queue.pause();
    await queue.addBulk(
      Array.from({ length: THROUGHPUT_JOBS }, (_, n) => ({
        name: 'article.published',
        data: { subscriptionId: 'ep0', messageId: `msg_r${round}n${n}`, type: 'article.published', articleId: `t${n}`, version: 1, body },
        opts: { jobId: `msg_r${round}n${n}`, removeOnComplete: true },
      })),
    );
    let t = performance.now();
    await queue.resume();
    await waitFor(async () => (await stats(receiver)).count >= THROUGHPUT_JOBS, 120_000, 'our deliveries');
    const ours = THROUGHPUT_JOBS / ((performance.now() - t) / 1_000);

    await fetch(`${receiver}/reset`, { method: 'POST' });
    const agent = new Agent({ connections: CONCURRENCY });
    let next = 0;
    t = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < THROUGHPUT_JOBS) {
          const response = await request(`${receiver}/hook/0`, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
            dispatcher: agent,
          });
          await response.body.dump();
        }
      }),
    );
    const loop = THROUGHPUT_JOBS / ((performance.now() - t) / 1_000);

    // BullMQ and undici alone: the same jobs, the same concurrency, a processor that only POSTs.
    await fetch(`${receiver}/reset`, { method: 'POST' });
    const floorQueue = new Queue(`bench-floor-${round}`, { connection: redis, prefix: `${env.REDIS_KEY_PREFIX}bull` });
    await floorQueue.addBulk(
      Array.from({ length: THROUGHPUT_JOBS }, (_, n) => ({
        name: 'post',
        data: { body },
        opts: { jobId: `f${n}`, removeOnComplete: true },
      })),
    );
    const floorConnection = redis.duplicate(); // a worker blocks on its connection: one of its own
    t = performance.now();
    const floorWorker = new Worker(
      floorQueue.name,
      async (job) => {
        const response = await request(`${receiver}/hook/0`, {
          method: 'POST',
          body: job.data.body as string,
          headers: { 'content-type': 'application/json' },
          dispatcher: agent,
        });
        await response.body.dump();
      },
      { connection: floorConnection, prefix: `${env.REDIS_KEY_PREFIX}bull`, concurrency: CONCURRENCY },
    );
    await waitFor(async () => (await stats(receiver)).count >= THROUGHPUT_JOBS, 120_000, 'the BullMQ-only deliveries');
    const bullmqOnly = THROUGHPUT_JOBS / ((performance.now() - t) / 1_000);
    await floorWorker.close();
    floorConnection.disconnect();
    await floorQueue.close();
    await agent.close();
    rounds.push({ ours, loop, bullmqOnly });
  }
  const ours = median(rounds.map((r) => r.ours));
  const loop = median(rounds.map((r) => r.loop));
  const bullmqOnly = median(rounds.map((r) => r.bullmqOnly));

  // 2. Latency: steady publishing, every article to every endpoint, through enricher, fanout and delivery.
  for (let n = 1; n < ENDPOINTS; n++) await writer.put(endpoint(n));
  spawnService('services/enricher/src/main.ts', { ...env, ENRICHER_GROUP_ID: `enricher-${id}` });
  spawnService('services/fanout/src/main.ts', { ...env, FANOUT_GROUP_ID: `fanout-${id}` });
  await new Promise((r) => setTimeout(r, 8_000)); // services join their groups and load subscriptions
  // Warm-up article, then the measured run.
  const publish = async (n: number) => {
    const articleId = `lat-${n}`;
    const sentAt = Date.now();
    const data = {
      id: articleId,
      version: 1,
      headline: `Latency ${n}`,
      standfirst: String(sentAt),
      body: ['Short.'],
      publishedAt: new Date().toISOString(),
    };
    const attributes = newEventAttributes({ source: 'bench', type: 'article.published', partitionkey: articleId });
    await producer.send(topics.articleEvents, [toKafkaRecord(attributes, data)]);
  };
  await publish(-1);
  await waitFor(async () => (await stats(receiver)).count >= ENDPOINTS, 60_000, 'the warm-up article everywhere');
  await fetch(`${receiver}/reset`, { method: 'POST' });
  const total = RATE_PER_SECOND * SECONDS;
  const startedAt = Date.now();
  for (let n = 0; n < total; n++) {
    const due = startedAt + (n * 1_000) / RATE_PER_SECOND;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    await publish(n);
  }
  await waitFor(async () => (await stats(receiver)).count >= total * ENDPOINTS, 300_000, 'every latency delivery');
  const { latencies } = await stats(receiver);
  const elapsed = (Date.now() - startedAt) / 1_000;

  console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log(
    `Throughput, ${THROUGHPUT_JOBS} deliveries to one endpoint (2 KB bodies), ${CONCURRENCY} at a time, median of ${rounds.length} rounds:\n`,
  );
  console.log(
    table(
      ['sender', 'deliveries/s', 'ratio'],
      [
        ['Syndicate delivery worker', fixed(ours), fixed(ours / loop, 2)],
        ['BullMQ worker that only POSTs (in the benchmark process)', fixed(bullmqOnly), fixed(bullmqOnly / loop, 2)],
        ['bare undici loop', fixed(loop), '1.00'],
      ],
    ),
  );
  console.log(
    `\nLatency, ${RATE_PER_SECOND} articles/s for ${SECONDS} s to ${ENDPOINTS} endpoints (${fixed(total * ENDPOINTS)} deliveries in ${fixed(elapsed, 1)} s), publish to receipt:\n`,
  );
  console.log(
    table(
      ['p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        [
          fixed(percentile(latencies, 0.5)),
          fixed(percentile(latencies, 0.9)),
          fixed(percentile(latencies, 0.99)),
          fixed(Math.max(...latencies)),
        ],
      ],
    ),
  );
  await queue.close();
} finally {
  for (const child of children) child.kill('SIGTERM');
  await producer.stop();
  const keys = await redis.keys(`${id}:*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
  if (started.length > 0) execFileSync('bash', [join(root, 'infra/down.sh'), ...started], { stdio: 'inherit' });
}
