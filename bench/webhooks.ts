/**
 * `npm run bench:webhooks`. Two measurements, each against a baseline or goal in the same run:
 *
 * 1. Throughput: deliveries/s from our delivery service (its own process: batches, slots, signing,
 *    SSRF-guarded undici agent, attempt log) to a local receiver, against a bare undici loop POSTing the
 *    same payloads to the same receiver. Goal ≥ 0.5 of the loop. The deliveries are what the fanout makes:
 *    article batches, each to every endpoint (BENCH_ARTICLES × ENDPOINTS). Two more senders, for reference:
 *    our service draining one endpoint's own queue (the path of retries and hand-overs, one BullMQ job per
 *    delivery), and a BullMQ worker whose jobs do nothing but the POST (the floor of a job per delivery).
 * 2. Latency: publish-to-receipt p50/p99 with articles published at a steady rate, each fanned out to many
 *    endpoints, through the enricher, the fanout and the delivery service (separate processes). Goal: p99 <
 *    250 ms at 50 articles/s to 100 endpoints.
 *
 * Needs Kafka and Redis (started here if absent, stopped after). The receiver runs in its own process.
 * Knobs: BENCH_ARTICLES, BENCH_ENDPOINTS, BENCH_ROUNDS; BENCH_RATE, BENCH_SECONDS for the latency run;
 * BENCH_PROFILE_DIR for a CPU profile of the delivery service.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Keyring } from '@syndicate/config';
import { newEventAttributes, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { createKafka, ensureTopics, KeyedProducer } from '@syndicate/kafka-runtime';
import { createLogger } from '@syndicate/observability';
import { bullPrefix, connectRedis, openQueue, WEBHOOK_BATCH_QUEUE, Worker, webhookQueueName } from '@syndicate/redis-runtime';
import { SubscriptionWriter } from '@syndicate/subscriptions';
import { generateSecret, type WebhookBatchJob, webhookBody } from '@syndicate/webhooks';
import { Agent, request } from 'undici';
import { firstLine, fixed, median, percentile, table } from './support.js';

const root = join(import.meta.dirname, '..');
const RATE_PER_SECOND = Number(process.env.BENCH_RATE ?? 50);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 100);
const THROUGHPUT_ARTICLES = Number(process.env.BENCH_ARTICLES ?? 100);
const THROUGHPUT_JOBS = THROUGHPUT_ARTICLES * ENDPOINTS;
/** Requests in flight: the loop's and the one-job-per-delivery senders'. */
const CONCURRENCY = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

const children: ChildProcess[] = [];
function spawnService(file: string, env: Record<string, string>): ChildProcess {
  // BENCH_PROFILE_DIR: the delivery service writes a CPU profile there when it stops.
  const profile =
    file.includes('delivery') && process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(root, file)], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  // Drained (what firstLine does not read is dropped): a child whose stdout pipe fills up blocks in its
  // next synchronous log write, and one did, at shutdown, when its Kafka went away and it logged about it.
  child.stdout?.resume();
  return child;
}
const stats = async (base: string) => (await (await fetch(`${base}/stats`)).json()) as { count: number; latencies: number[] };
const waitFor = async (probe: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 100) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const started = execFileSync('bash', [join(root, 'infra/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .split('\n')
  .filter(Boolean);
const id = `bench${Date.now().toString(36)}`;
const env = {
  TOPIC_PREFIX: `${id}.`,
  REDIS_KEY_PREFIX: `${id}:`,
  SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
  SYNDICATE_SECRET_KEY: Keyring.generateEntry('bench'),
};
// Secrets sealed on the topic as the API seals them; the delivery service opens them once, on reading.
const keyring = Keyring.parse(env.SYNDICATE_SECRET_KEY);
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
  const writer = new SubscriptionWriter(producer, topics.subscriptions, keyring);
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

  // 1. Throughput: batches already queued, the delivery service drains them; then the same deliveries by
  // the other senders.
  for (let n = 0; n < ENDPOINTS; n++) await writer.put(endpoint(n));
  const body = webhookBody('article.published', { id: 'bench', headline: 'Throughput', body: ['x'.repeat(2_000)] });
  const bull = { connection: redis, keyPrefix: env.REDIS_KEY_PREFIX };
  const batches = openQueue<WebhookBatchJob>(WEBHOOK_BATCH_QUEUE, bull);
  const endpointQueue = openQueue(webhookQueueName('ep0'), bull);
  const rounds: Array<{ ours: number; oneEndpoint: number; loop: number; bullmqOnly: number }> = [];
  spawnService('services/delivery/src/main.ts', env);
  await new Promise((r) => setTimeout(r, 3_000)); // the service loads the subscriptions
  const timed = async (what: string, start: () => Promise<unknown>) => {
    await fetch(`${receiver}/reset`, { method: 'POST' });
    const t = performance.now();
    await start();
    // Polled often: a sender that finishes between polls must not be charged for the wait.
    await waitFor(async () => (await stats(receiver)).count >= THROUGHPUT_JOBS, 300_000, what, 10);
    return THROUGHPUT_JOBS / ((performance.now() - t) / 1_000);
  };
  // Round 0 warms up (JIT, connections) every sender and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    await batches.pause();
    await batches.addBulk(
      Array.from({ length: THROUGHPUT_ARTICLES }, (_, a) => ({
        name: 'article.published',
        data: {
          type: 'article.published' as const,
          articleId: `t${round}-${a}`,
          version: 1,
          body,
          attempts: 8,
          endpoints: Array.from({ length: ENDPOINTS }, (_, n) => ({ subscriptionId: `ep${n}`, messageId: `msg_r${round}a${a}n${n}` })),
        },
        opts: { jobId: `batch_r${round}a${a}`, removeOnComplete: true },
      })),
    );
    const ours = await timed('our deliveries', () => batches.resume());

    // The baselines' request: delivery n's body to its endpoint, nothing else.
    const agent = new Agent({ connections: CONCURRENCY });
    const post = async (n: number, payload: string) => {
      const response = await request(`${receiver}/hook/${n % ENDPOINTS}`, {
        method: 'POST',
        body: payload,
        headers: { 'content-type': 'application/json' },
        dispatcher: agent,
      });
      await response.body.dump();
    };
    const loop = await timed('the loop', async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < THROUGHPUT_JOBS) await post(next++, body);
        }),
      );
    });

    // One endpoint's own queue (retries, hand-overs): a BullMQ job per delivery.
    await endpointQueue.pause();
    await endpointQueue.addBulk(
      Array.from({ length: THROUGHPUT_JOBS }, (_, n) => ({
        name: 'article.published',
        data: { subscriptionId: 'ep0', messageId: `msg_r${round}q${n}`, type: 'article.published', articleId: `q${n}`, version: 1, body },
        opts: { jobId: `msg_r${round}q${n}`, removeOnComplete: true },
      })),
    );
    const oneEndpoint = await timed('the endpoint queue', () => endpointQueue.resume());

    // BullMQ and undici alone: a job per delivery, the same concurrency, a processor that only POSTs.
    const floorQueue = openQueue(`bench-floor-${round}`, bull);
    await floorQueue.addBulk(
      Array.from({ length: THROUGHPUT_JOBS }, (_, n) => ({
        name: 'post',
        data: { body, n }, // a job carries its body, as a delivery's does
        opts: { jobId: `f${n}`, removeOnComplete: true },
      })),
    );
    const floorConnection = redis.duplicate(); // a worker blocks on its connection: one of its own
    let floorWorker: Worker | undefined;
    const bullmqOnly = await timed('the BullMQ-only deliveries', async () => {
      floorWorker = new Worker(floorQueue.name, (job) => post(job.data.n as number, job.data.body as string), {
        connection: floorConnection,
        prefix: bullPrefix(env.REDIS_KEY_PREFIX), // a bare Worker on purpose: BullMQ's own floor
        concurrency: CONCURRENCY,
      });
    });
    await floorWorker?.close();
    floorConnection.disconnect();
    await floorQueue.close();
    await agent.close();
    const result = { ours, oneEndpoint, loop, bullmqOnly };
    console.error(
      `round ${round}${round === 0 ? ' (warm-up)' : ''}: ${JSON.stringify(result, (_k, v) => (typeof v === 'number' ? Math.round(v) : v))}`,
    );
    if (round > 0) rounds.push(result);
  }
  const loop = median(rounds.map((r) => r.loop));
  // Ratios are taken per round (each sender against the loop of its own round), then the median.
  const ratio = (of: (r: (typeof rounds)[number]) => number) => median(rounds.map((r) => of(r) / r.loop));

  // 2. Latency: steady publishing, every article to every endpoint, through enricher, fanout and delivery.
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
    `Throughput, ${fixed(THROUGHPUT_JOBS)} deliveries (${THROUGHPUT_ARTICLES} articles × ${ENDPOINTS} endpoints, 2 KB bodies), median of ${rounds.length} rounds (ratios: median of per-round ratios):\n`,
  );
  console.log(
    table(
      ['sender', 'deliveries/s', 'ratio to the loop'],
      [
        [
          'Syndicate delivery service, article batches',
          fixed(median(rounds.map((r) => r.ours))),
          fixed(
            ratio((r) => r.ours),
            2,
          ),
        ],
        [
          "Syndicate delivery service, one endpoint's own queue",
          fixed(median(rounds.map((r) => r.oneEndpoint))),
          fixed(
            ratio((r) => r.oneEndpoint),
            2,
          ),
        ],
        [
          'BullMQ worker that only POSTs (a job per delivery)',
          fixed(median(rounds.map((r) => r.bullmqOnly))),
          fixed(
            ratio((r) => r.bullmqOnly),
            2,
          ),
        ],
        [`bare undici loop (${CONCURRENCY} at a time)`, fixed(loop), '1.00'],
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
  await Promise.all([batches.close(), endpointQueue.close()]);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await producer.stop();
  const keys = await redis.keys(`${id}:*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
  if (started.length > 0) execFileSync('bash', [join(root, 'infra/down.sh'), ...started], { stdio: 'inherit' });
}
