/**
 * Nothing lost on a crash: the delivery worker is killed with SIGKILL in the middle of a run (deliveries in
 * flight, more queued) and a new one takes over; every delivery still arrives (receivers de-duplicate by
 * webhook-id, so a repeat is allowed, a gap is not). Two endpoints: one answers in 300 ms, within a batch's
 * patience; the other in 2 s, so its first attempts outlive their batches (guarded by delayed jobs) and
 * are in flight when the worker dies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseConfig } from '@syndicate/config';
import { newEventAttributes, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { KeyedProducer } from '@syndicate/kafka-runtime';
import { SubscriptionWriter } from '@syndicate/subscriptions';
import { cleanRedis, enrichedArticle, eventually, isolation, testKafka, testLogger, testRedis } from '@syndicate/test-support';
import { generateSecret } from '@syndicate/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ARTICLES = 30;
const root = join(import.meta.dirname, '..', '..');
const iso = isolation();
const logger = testLogger('crash');
const kafka = testKafka();
const redis = testRedis();
const producer = new KeyedProducer(kafka);
const topics = topicNames(iso.topicPrefix);
const fanout = new FanoutService(parseConfig(FanoutConfig, { ...iso.env, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger);

// Requests take 300 ms (/fast) or 2 s (/slow), so the worker always has deliveries in flight when it is killed.
const ANSWER_MS: Record<string, number> = { '/fast': 300, '/slow': 2_000 };
const received: Record<string, string[]> = { '/fast': [], '/slow': [] };
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () =>
    setTimeout(
      () => {
        // Counted only if the sender is still there to hear the answer: a request cut off by the kill
        // counts as lost (as it would be, had the endpoint failed it), so the run must send it again.
        if (req.socket.destroyed) return;
        received[req.url ?? '']?.push((JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string } }).data.id);
        res.writeHead(204).end();
      },
      ANSWER_MS[req.url ?? ''] ?? 0,
    ),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const receiverUrl = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'services/delivery/src/main.ts')], {
    env: { ...process.env, ...iso.env, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8', DELIVERY_TIMEOUT_MS: '5000', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  workers.push(child);
  return child;
}

const deliveredIds = (path: string) => new Set(received[path]);

beforeAll(async () => {
  await fanout.start();
  await producer.start();
  const writer = new SubscriptionWriter(producer, topics.subscriptions);
  for (const [id, path, maxConcurrency] of [
    ['crash-fast', '/fast', 2],
    ['crash-slow', '/slow', 10],
  ] as const) {
    await writer.put({
      id,
      type: 'webhook',
      url: receiverUrl(path),
      secret: generateSecret(),
      maxConcurrency,
      previousSecrets: [],
      paused: false,
      createdAt: new Date().toISOString(),
    });
    await fanout.registry.waitFor(id);
  }
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  server.closeAllConnections();
  server.close();
  await Promise.allSettled([fanout.stop(), producer.stop()]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('a delivery worker killed mid-run', () => {
  it('loses no delivery: a new worker finishes the run', async () => {
    const first = startWorker();
    for (let n = 0; n < ARTICLES; n++) {
      const id = `crash-${n}`;
      await producer.send(topics.articleEnriched, [
        toKafkaRecord(newEventAttributes({ source: 't', type: 'article.published', partitionkey: id }), enrichedArticle(id)),
      ]);
    }
    await eventually(() => (deliveredIds('/fast').size >= 5 ? true : undefined), 60_000, 'the first deliveries');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // Killed mid-run, with deliveries in flight to both.
    expect(deliveredIds('/fast').size).toBeLessThan(ARTICLES - 2);
    expect(deliveredIds('/slow').size).toBeLessThan(ARTICLES - 2);
    startWorker();
    const all = Array.from({ length: ARTICLES }, (_, n) => `crash-${n}`).sort();
    for (const path of ['/fast', '/slow']) {
      await eventually(
        () => (deliveredIds(path).size === ARTICLES ? true : undefined),
        60_000,
        `every delivery to ${path} after the restart`,
      );
      expect([...deliveredIds(path)].sort()).toEqual(all);
    }
  }, 120_000);
});
