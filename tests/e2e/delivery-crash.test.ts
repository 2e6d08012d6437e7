/**
 * Nothing lost on a crash: the delivery worker is killed with SIGKILL in the middle of a run (deliveries in
 * flight, more queued) and a new one takes over; every delivery still arrives (receivers de-duplicate by
 * webhook-id, so a repeat is allowed, a gap is not).
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

// Each request takes 300 ms, so the worker always has deliveries in flight when it is killed.
const received: string[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () =>
    setTimeout(() => {
      received.push((JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string } }).data.id);
      res.writeHead(204).end();
    }, 300),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'services/delivery/src/main.ts')], {
    env: { ...process.env, ...iso.env, SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8', DELIVERY_TIMEOUT_MS: '5000', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  workers.push(child);
  return child;
}

const deliveredIds = () => new Set(received);

beforeAll(async () => {
  await fanout.start();
  await producer.start();
  await new SubscriptionWriter(producer, topics.subscriptions).put({
    id: 'crash-hook',
    type: 'webhook',
    url: receiverUrl,
    secret: generateSecret(),
    maxConcurrency: 2,
    previousSecrets: [],
    paused: false,
    createdAt: new Date().toISOString(),
  });
  await fanout.registry.waitFor('crash-hook');
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
    await eventually(() => (deliveredIds().size >= 5 ? true : undefined), 60_000, 'the first deliveries');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const beforeRestart = deliveredIds().size;
    expect(beforeRestart).toBeLessThan(ARTICLES - 2); // killed mid-run, with deliveries in flight
    startWorker();
    await eventually(() => (deliveredIds().size === ARTICLES ? true : undefined), 60_000, 'every delivery after the restart');
    expect([...deliveredIds()].sort()).toEqual(Array.from({ length: ARTICLES }, (_, n) => `crash-${n}`).sort());
  }, 120_000);
});
