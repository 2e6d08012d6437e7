/**
 * The chaos suite's harness: the four services as their own processes (kept running by the same Supervisor
 * as `npm start`) against the shared Kafka and Redis or a scenario's own (test-support's ownKafka and
 * ownRedis, for the scenarios that break them), a webhook receiver, a
 * load of articles published through the API, and the check every scenario ends with: every accepted
 * article reached every subscriber (webhook, feed, partner topic), with no feed duplicates and one webhook id
 * per article version.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Keyring } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { FeedStore } from '@syndicate/feed-store';
import { createKafka, ensureTopics } from '@syndicate/kafka-runtime';
import { Supervisor } from '@syndicate/lifecycle/supervisor';
import { createLogger } from '@syndicate/observability';
import { Redis } from '@syndicate/redis-runtime';
import { cleanRedis, collectTopic, eventually, freePort, isolation, REDIS_URL, startWebhookReceiver } from '@syndicate/test-support';

const root = join(import.meta.dirname, '..', '..');
const TOKEN = `chaos-admin-${randomBytes(8).toString('hex')}`;
const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

interface Delivery {
  webhookId: string;
  articleId: string;
  version: number;
}

/** The four services against the given Kafka and Redis, each its own process, restarted when it dies. */
export async function startStack(options: { kafkaBrokers?: string; redisUrl?: string } = {}) {
  const iso = isolation();
  const kafkaBrokers = options.kafkaBrokers ?? iso.env.KAFKA_BROKERS;
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const topics = topicNames(iso.topicPrefix);
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;

  const receiver = await startWebhookReceiver();
  /** What the receiver got: the webhook id and the article version of every request. */
  const deliveries = (): Delivery[] =>
    receiver.received.map(({ headers, body }) => {
      const { data } = JSON.parse(body) as { data: { id: string; version: number } };
      return { webhookId: String(headers['webhook-id']), articleId: data.id, version: data.version };
    });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...iso.env,
    KAFKA_BROKERS: kafkaBrokers,
    REDIS_URL: redisUrl,
    PORT: String(port),
    PUBLIC_BASE_URL: api,
    SYNDICATE_ADMIN_TOKEN: TOKEN,
    SYNDICATE_SECRET_KEY: Keyring.generateEntry('chaos'),
    SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
    ENRICHER_GROUP_ID: `enricher-${iso.id}`,
    FANOUT_GROUP_ID: `fanout-${iso.id}`,
    WEBHOOK_RETRY_SCHEDULE_MS: '1000,2000,4000',
    RATE_LIMIT_PUBLIC: '1000000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal', // kafkajs logs every refused connection of a broker outage as an error
  };
  const supervisors = new Map<string, Supervisor>();
  for (const name of ['api', 'enricher', 'fanout', 'delivery']) {
    const supervisor = new Supervisor({
      name,
      log,
      initialBackoffMs: 200,
      maxBackoffMs: 2_000,
      spawn: () =>
        spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', `${name}.js`)], {
          env,
          stdio: ['ignore', 'inherit', 'inherit'], // LOG_LEVEL error by default: only what went wrong
        }),
    });
    supervisor.start();
    supervisors.set(name, supervisor);
  }

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };
  await eventually(async () => ((await fetch(`${api}/readyz`)).ok ? true : undefined), 120_000, 'the API to be ready');

  const partnerId = `chaos${iso.id}`;
  const kafka = createKafka({ brokers: kafkaBrokers.split(','), clientId: 'chaos-check', logger: createLogger('chaos', 'fatal') });
  await ensureTopics(kafka, [{ topic: topics.partner(partnerId) }]);
  const partner = await collectTopic(kafka, topics.partner(partnerId));
  for (const subscription of [
    { type: 'webhook', url: receiver.url },
    { type: 'feed', slug: 'chaos' },
    { type: 'partner-queue', partnerId, format: 'native' },
  ]) {
    const created = await call('POST', '/v1/subscriptions', subscription);
    if (created.status !== 201) throw new Error(`subscription: ${created.status} ${JSON.stringify(created.json)}`);
  }
  // The workers see the subscriptions once they have read the topic; a first article proves the whole path.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => {}); // a scenario may stop this Redis; the checks retry
  const store = new FeedStore({ redis, keyPrefix: iso.redisKeyPrefix });
  const accepted = new Map<string, number>();
  /** How long each stretch of refusals (503s, refused connections) lasted before the API accepted again, ms. */
  const refusals: number[] = [];
  let refusedSince: number | undefined;

  /** Publishes through the API until accepted (a 503 or a refused connection while something is down is retried). */
  async function publish(id: string, budgetMs = 120_000) {
    const deadline = Date.now() + budgetMs;
    let last = 'none';
    for (;;) {
      try {
        const answer = await call('POST', '/v1/articles', {
          id,
          headline: `Chaos story ${id}`,
          body: [`What happened in ${id}, told in one paragraph of our own.`],
        });
        last = `${answer.status} ${JSON.stringify(answer.json).slice(0, 200)}`;
        if (answer.status === 202 || answer.status === 200) {
          accepted.set(id, Number(answer.json.version));
          if (refusedSince !== undefined) refusals.push(Date.now() - refusedSince);
          refusedSince = undefined;
          return;
        }
        if (answer.status !== 503 && answer.status !== 502)
          throw new Error(`publishing ${id}: ${answer.status} ${JSON.stringify(answer.json)}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('publishing')) throw error;
        last = String(error);
      }
      refusedSince ??= Date.now();
      if (Date.now() > deadline) throw new Error(`${id} not accepted within ${budgetMs} ms (last answer: ${last})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  await publish('warm-up');
  const stack = {
    api,
    supervisors,
    accepted,
    refusals,
    publish,
    /** Publishes `count` articles named `${prefix}-N`, `perSecond` a second, calling `during(n)` before each. */
    async load(prefix: string, count: number, perSecond: number, during: (n: number) => Promise<void> | void = () => {}) {
      const startedAt = Date.now();
      for (let n = 0; n < count; n++) {
        await during(n);
        const due = startedAt + (n * 1_000) / perSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        await publish(`${prefix}-${n}`);
      }
    },
    kill(name: string) {
      const child = supervisors.get(name)?.process;
      log(`SIGKILL ${name} (pid ${child?.pid})`);
      child?.kill('SIGKILL');
    },
    /**
     * Every accepted article reached every subscriber within the budget: the webhook (one webhook id per
     * article version, repeats allowed), the feed (each once) and the partner topic.
     */
    async allArrived(budgetMs = 180_000) {
      const missing = async () => {
        const delivered = new Set(deliveries().map((d) => `${d.articleId}@${d.version}`));
        const onPartner = new Set(partner.messages.map((m) => m.key));
        const inFeed = new Set((await store.list('chaos', 1_000)).map((r) => `${r.article.id}@${r.article.version}`));
        return [...accepted].flatMap(([id, version]) => {
          const key = `${id}@${version}`;
          return [
            ...(delivered.has(key) ? [] : [`webhook ${key}`]),
            ...(inFeed.has(key) ? [] : [`feed ${key}`]),
            ...(onPartner.has(id) ? [] : [`partner ${id}`]),
          ];
        });
      };
      let last: string[] = [];
      await eventually(
        async () => {
          last = await missing();
          return last.length === 0 ? true : undefined;
        },
        budgetMs,
        'every accepted article at every subscriber',
      ).catch((error: Error) => {
        throw new Error(`${error.message}; missing ${last.length}: ${last.slice(0, 10).join(', ')}`);
      });
      const feedIds = (await store.list('chaos', 1_000)).map((r) => r.article.id);
      const idsPerVersion = new Map<string, Set<string>>();
      for (const d of deliveries()) {
        const key = `${d.articleId}@${d.version}`;
        idsPerVersion.set(key, (idsPerVersion.get(key) ?? new Set()).add(d.webhookId));
      }
      return {
        feedDuplicates: feedIds.length - new Set(feedIds).size,
        versionsWithTwoWebhookIds: [...idsPerVersion].filter(([, ids]) => ids.size > 1).map(([key]) => key),
      };
    },
    async stop() {
      await Promise.allSettled([...supervisors.values()].map((s) => s.stop(10_000)));
      await partner.stop().catch(() => undefined);
      await receiver.close();
      await cleanRedis(redis, iso.redisKeyPrefix).catch(() => undefined);
      redis.disconnect();
    },
  };
  return stack;
}
