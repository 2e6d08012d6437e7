/**
 * `npm run bench:load`: articles/s end to end. The whole service runs (API, enricher, fanout, delivery, each its
 * own process, as `npm start` runs them) with one webhook endpoint (bench/receiver.ts, its own process) and one
 * feed matching every article. BENCH_ARTICLES (1,111) BBC News texts from ../shared/data/bbc-news-dev, read here
 * at run time, are published in each round two ways, each timed from the first request until every article is in
 * the feed store and delivered to the endpoint:
 *
 * - _api_: through `syndicate publish`'s path (`publishArticles`: POST /v1/articles/batch, 100 articles a
 *   request, four requests at a time), as a newsroom re-importing an archive would;
 * - _kafka_: the same articles as CloudEvents produced straight to `article-events` with kafkajs, 500 a send (the
 *   baseline: what the pipeline behind the API does without it).
 *
 * The ratio is api / kafka, per round; medians over BENCH_ROUNDS (5) rounds, the order alternating. Each phase
 * uses fresh article ids, so every article is new. BENCH_PUBLISH=single publishes one article per request
 * (POST /v1/articles, 8 at a time: `syndicate publish` before the batch route). BENCH_PROFILE_DIR: every service
 * writes a CPU profile there when it stops.
 *
 * BENCH_BROKER_RESTART=1 then measures recovery on a broker of its own (a second stack on it, so the shared
 * broker is never touched): the broker is SIGKILLed and started again BENCH_RESTARTS (3) times, an article
 * published every 100 ms throughout; reported are how long after the broker answered again the API accepted an
 * article, and how long until that article was in the feed store; and that every accepted article arrived.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArticleInput } from '@syndicate/article-parser';
import { publishArticles } from '@syndicate/cli';
import { type ArticleData, newEventAttributes, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { createKafka, KeyedProducer } from '@syndicate/kafka-runtime';
import { createLogger } from '@syndicate/observability';
import { connectRedis } from '@syndicate/redis-runtime';
import { freePort, ownKafka } from '@syndicate/test-support';
import { firstLine, fixed, median, sleep, spawnScript, stackEnv, stopProcesses, table, waitFor } from './support.js';

const root = join(import.meta.dirname, '..');
const DATA = join(root, '..', 'shared', 'data', 'bbc-news-dev');
const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 1_111);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PUBLISH = process.env.BENCH_PUBLISH === 'single' ? 'single' : 'batch';
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const BROKER_RESTART = process.env.BENCH_BROKER_RESTART === '1';
const TIMEOUT_MS = 600_000;

type Article = Omit<ArticleData, 'id' | 'version'>;
const children: ChildProcess[] = [];
/** A script as a child process; a service profiled into BENCH_PROFILE_DIR when asked. */
function startScript(file: string, env: Record<string, string>, profile = false): ChildProcess {
  const child = spawnScript(file, env, profile && PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []);
  children.push(child);
  return child;
}

/** The texts, parsed as `syndicate publish` parses a file; ids are given per phase. */
function loadArticles(): Article[] {
  const files = readdirSync(DATA, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(DATA, d.name)).map((f) => join(DATA, d.name, f)))
    .filter((f) => f.endsWith('.txt'))
    .sort();
  if (files.length < ARTICLES) throw new Error(`${DATA} holds ${files.length} articles, fewer than ${ARTICLES}`);
  return files.slice(0, ARTICLES).map((file) => {
    const { id: _id, version: _version, ...article } = parseArticleInput(readFileSync(file, 'utf8'), { source: 'syndicate-cli' });
    return article;
  });
}

const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

/** The four services on one broker, a webhook receiver, a webhook subscription and a feed matching everything. */
async function startStack(brokers: string) {
  const id = `load${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const { apiUrl, token, env: stack } = stackEnv(id, await freePort());
  const env = { ...stack, KAFKA_BROKERS: brokers };
  const own: ChildProcess[] = [];
  const receiverProcess = startScript('bench/receiver.ts', {});
  own.push(receiverProcess);
  const receiverUrl = `http://127.0.0.1:${await firstLine(receiverProcess)}`;
  for (const service of ['api', 'enricher', 'fanout', 'delivery']) {
    const child = startScript(`services/${service}/src/main.ts`, env, true);
    child.stdout?.resume(); // drained: a child whose stdout pipe fills up blocks in its next log write
    own.push(child);
  }
  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  await waitFor(async () => (await fetch(`${apiUrl}/readyz`)).ok, 180_000, 'the API', 250);
  await admin('/v1/subscriptions', { type: 'webhook', url: `${receiverUrl}/hook` });
  await admin('/v1/subscriptions', { type: 'feed', slug: 'load', title: 'Everything' });
  const producer = new KeyedProducer(
    createKafka({ brokers: brokers.split(','), clientId: 'bench-load', logger: createLogger('bench', 'error') }),
  );

  /** Publishes through the API as `syndicate publish` does; throws unless every article was accepted. */
  async function publishThroughApi(articles: ArticleData[]) {
    const submissions = articles.map(({ version: _version, ...a }) => a);
    if (PUBLISH === 'single') {
      let next = 0;
      const worker = async () => {
        while (next < submissions.length) await admin('/v1/articles', submissions[next++]);
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      return;
    }
    const results = await publishArticles(
      submissions.map((data) => ({ label: data.id, data })),
      { apiUrl, token },
    );
    const rejected = results.filter((r) => !r.ok);
    if (rejected.length > 0) throw new Error(`${rejected.length} rejected, the first: ${rejected[0]?.detail}`);
  }

  /** Produces the articles straight to article-events, as the API would (CloudEvents, keyed by id), 500 a send. */
  async function publishToKafka(articles: ArticleData[]) {
    const topic = topicNames(env.TOPIC_PREFIX).articleEvents;
    for (let i = 0; i < articles.length; i += 500) {
      const records = articles
        .slice(i, i + 500)
        .map((article) =>
          toKafkaRecord(
            newEventAttributes({ source: 'bench/load', type: 'article.published', partitionkey: article.id, subject: article.id }),
            article,
          ),
        );
      await producer.send(topic, records);
    }
  }

  const delivered = async () => ((await (await fetch(`${receiverUrl}/stats`)).json()) as { count: number }).count;
  /** True once the feed store holds every one of the ids (checked in a pipeline; those found are dropped). */
  function feedStoreHolds(ids: string[]) {
    let waiting = [...ids];
    return async () => {
      const pipeline = redis.pipeline();
      for (const articleId of waiting) pipeline.hget(`${id}:{feeds}:item:${articleId}`, 'version');
      const found = (await pipeline.exec()) ?? [];
      waiting = waiting.filter((_, i) => found[i]?.[1] === null);
      return waiting.length === 0;
    };
  }

  /** Publishes `articles` under fresh ids and times them until all are in the feed store and delivered. */
  async function phase(mode: 'api' | 'kafka', name: string, articles: Article[]) {
    const batch = articles.map((a, n) => ({ ...a, id: `${name}-${n}`, version: 1 }) as ArticleData);
    await fetch(`${receiverUrl}/reset`, { method: 'POST' });
    const inFeeds = feedStoreHolds(batch.map((a) => a.id));
    const startedAt = performance.now();
    await (mode === 'api' ? publishThroughApi(batch) : publishToKafka(batch));
    const publishedMs = performance.now() - startedAt;
    await waitFor(async () => (await delivered()) >= batch.length && (await inFeeds()), TIMEOUT_MS, `${name}: every article delivered`, 50);
    const seconds = (performance.now() - startedAt) / 1_000;
    const result = { mode, name, articles: batch.length, seconds, perSecond: batch.length / seconds, publishedMs };
    console.error(JSON.stringify(result, (_k, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
    return result;
  }

  const stop = async () => {
    await producer.stop().catch(() => {});
    await stopProcesses(own); // profiles are written on a clean exit
    const keys = await redis.keys(`${id}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  };
  return { id, apiUrl, token, admin, phase, publishThroughApi, delivered, feedStoreHolds, producer, stop };
}

/**
 * Recovery after broker restarts, on a broker of its own: BENCH_RESTARTS (3) times SIGKILL, 5 s down, start
 * again, with an article published every 100 ms throughout (one request at a time; a refused one is dropped, as
 * a client would retry it later). Measured from the moment the restarted broker answers.
 */
async function brokerRestarts(articles: Article[]) {
  const kafka = await ownKafka();
  const stack = await startStack(kafka.brokers);
  const restarts: Array<{ downMs: number; apiAcceptsMs: number; inFeedMs: number }> = [];
  let accepted: string[] = [];
  try {
    await stack.phase('api', `restart-warm-${stack.id}`, articles.slice(0, 100));
    const acceptedAt: Array<{ at: number; id: string }> = [];
    let publishing = true;
    const publisher = (async () => {
      for (let n = 0; publishing; n++) {
        const article = { ...articles[n % articles.length], id: `restart-${stack.id}-${n}`, version: 1 } as ArticleData;
        const started = performance.now();
        await stack.publishThroughApi([article]).then(
          () => acceptedAt.push({ at: performance.now(), id: article.id }),
          () => {},
        );
        await sleep(Math.max(0, 100 - (performance.now() - started)));
      }
    })();
    for (let n = 0; n < Number(process.env.BENCH_RESTARTS ?? 3); n++) {
      await sleep(2_000);
      kafka.kill();
      const killedAt = performance.now();
      await sleep(5_000); // down for a while, as a crashed broker would be
      await kafka.start(); // returns once the broker answers
      const backAt = performance.now();
      await waitFor(async () => acceptedAt.some((a) => a.at > backAt), TIMEOUT_MS, 'the API to accept after the restart', 50);
      const first = acceptedAt.find((a) => a.at > backAt) as { at: number; id: string };
      await waitFor(stack.feedStoreHolds([first.id]), TIMEOUT_MS, 'the first article accepted after the restart in the feed', 50);
      restarts.push({ downMs: backAt - killedAt, apiAcceptsMs: first.at - backAt, inFeedMs: performance.now() - backAt });
      console.error(JSON.stringify({ restart: n + 1, ...restarts.at(-1) }));
    }
    publishing = false;
    await publisher;
    accepted = acceptedAt.map((a) => a.id);
    // Nothing accepted is lost: every one delivered (the receiver counts them, after the warm-up's 100) and in the feed.
    await waitFor(
      async () => (await stack.delivered()) >= accepted.length + 100 && (await stack.feedStoreHolds(accepted)()),
      TIMEOUT_MS,
      'every accepted article',
      50,
    );
    return { restarts, accepted: accepted.length };
  } finally {
    await stack.stop();
    await kafka.stop();
  }
}

const started = execFileSync('bash', [join(root, 'infra/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .split('\n')
  .filter(Boolean);
try {
  const articles = loadArticles();
  const stack = await startStack(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
  const rounds: Array<{ api: number; kafka: number }> = [];
  try {
    await stack.producer.start();
    // Every process warm (JIT, connections, consumer groups joined) before anything is timed.
    await stack.phase('kafka', `warm-k-${stack.id}`, articles.slice(0, 300));
    await stack.phase('api', `warm-a-${stack.id}`, articles.slice(300, 600));
    for (let round = 0; round < ROUNDS; round++) {
      const order: Array<'api' | 'kafka'> = round % 2 === 0 ? ['kafka', 'api'] : ['api', 'kafka'];
      const perSecond = { api: 0, kafka: 0 };
      for (const mode of order) perSecond[mode] = (await stack.phase(mode, `${mode}${round}-${stack.id}`, articles)).perSecond;
      rounds.push(perSecond);
    }
  } finally {
    await stack.stop();
  }
  const restart = BROKER_RESTART ? await brokerRestarts(articles) : undefined;

  console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log(
    `${articles.length} BBC News articles per phase, ${ROUNDS} rounds; through the API ${PUBLISH === 'batch' ? 'in batches (POST /v1/articles/batch, as syndicate publish)' : 'one per request (POST /v1/articles, 8 at a time)'}; timed until every article is in the feed store and delivered to the webhook endpoint:\n`,
  );
  console.log(
    table(
      ['round', 'through the API, articles/s', 'straight to Kafka, articles/s', 'ratio'],
      [
        ...rounds.map((r, n) => [n + 1, fixed(r.api), fixed(r.kafka), fixed(r.api / r.kafka, 2)]),
        [
          'median',
          fixed(median(rounds.map((r) => r.api))),
          fixed(median(rounds.map((r) => r.kafka))),
          fixed(median(rounds.map((r) => r.api / r.kafka)), 2),
        ],
      ],
    ),
  );
  if (restart) {
    const { restarts } = restart;
    const m = (f: (r: (typeof restarts)[number]) => number) => fixed(median(restarts.map(f)) / 1_000, 1);
    console.log(
      `\nBroker restarts (a broker of its own, SIGKILLed, ${restarts.length} times; an article published every 100 ms throughout), median seconds after the broker answered again:\n`,
    );
    console.log(
      table(
        ['', 'broker down (kill to answering)', 'API accepting again', 'first article accepted after it in the feed'],
        [
          ...restarts.map((r, n) => [n + 1, fixed(r.downMs / 1_000, 1), fixed(r.apiAcceptsMs / 1_000, 1), fixed(r.inFeedMs / 1_000, 1)]),
          ['median', m((r) => r.downMs), m((r) => r.apiAcceptsMs), m((r) => r.inFeedMs)],
        ],
      ),
    );
    console.log(`\nAll ${restart.accepted} articles the API accepted were delivered and in the feed.`);
  }
} finally {
  await stopProcesses(children);
  redis.disconnect();
  if (started.length > 0) execFileSync('bash', [join(root, 'infra/down.sh'), ...started], { stdio: 'inherit' });
}
