/**
 * Against the compose stack `npm run test:containers` brings up (three Kafka nodes, Redis, the four services
 * in containers): the seed's journey (published with the CLI → a signed webhook, the feed, the partner topic
 * → withdrawn), then a small load during which one Kafka node and the enricher container are killed
 * (SIGKILL): every accepted article still reaches the webhook, the feed and the partner topic.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { topicNames } from '@syndicate/contracts';
import { createKafka } from '@syndicate/kafka-runtime';
import { collectTopic, eventually, startWebhookReceiver, testLogger } from '@syndicate/test-support';
import Parser from 'rss-parser';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const SEED = join(root, '..', 'shared', 'seeds', '000_6082e137c817fc36.txt');
const run = promisify(execFile);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through npm run test:containers`);
  return value;
}
const API = `http://127.0.0.1:${required('API_PORT')}`;
const TOKEN = required('SYNDICATE_ADMIN_TOKEN');
const PROJECT = required('COMPOSE_PROJECT_NAME');
const kafkaPorts = [1, 2, 3].map((n) => required(`KAFKA_HOST_PORT_${n}`));
const topics = topicNames('');
/** Fewer than a feed page (FEED_PAGE_ITEMS, 50), so the first page of the feed shows them all. */
const LOAD_ARTICLES = 40;

const podman = (...args: string[]) => run('podman', args, { env: process.env });
/** podman-compose names a service's first container <project>_<service>_1. */
const container = (service: string) => `${PROJECT}_${service}_1`;

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

const feedIds = async (slug: string) => {
  const feed = await new Parser().parseString(await (await fetch(`${API}/feeds/${slug}.rss`)).text());
  return feed.items.map((item) => String(item.guid).split(':').pop());
};

const receiver = await startWebhookReceiver(undefined, { host: '0.0.0.0' });
/** What the webhook endpoint got, verified: type and article id of every signed delivery. */
let webhookSecret = '';
const deliveries = () =>
  receiver.received.map((request) => {
    const payload = new Webhook(webhookSecret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    }) as { type: string; data: { id: string } };
    return { type: payload.type, id: payload.data.id };
  });

const kafka = createKafka({
  brokers: kafkaPorts.map((port) => `127.0.0.1:${port}`),
  clientId: 'containers-test',
  logger: testLogger('containers'),
});
let partner: Awaited<ReturnType<typeof collectTopic>>;
const partnerIds = (type: string) =>
  partner.messages
    .map((m) => JSON.parse(m.value ?? '{}') as { type: string; id: string })
    .filter((m) => m.type === type)
    .map((m) => m.id);

beforeAll(async () => {
  await eventually(async () => ((await fetch(`${API}/readyz`)).ok ? true : undefined), 300_000, 'the API in its container to be ready');
  // Containers reach the host through the name podman gives it.
  const hook = await call('POST', '/v1/subscriptions', { type: 'webhook', url: `http://host.containers.internal:${receiver.port}/hook` });
  expect(hook.status, JSON.stringify(hook.json)).toBe(201);
  webhookSecret = String(hook.json.secret);
  expect((await call('POST', '/v1/subscriptions', { type: 'feed', slug: 'world', filter: { categories: ['World'] } })).status).toBe(201);
  expect((await call('POST', '/v1/subscriptions', { type: 'partner-queue', partnerId: 'acme', format: 'native' })).status).toBe(201);
  // The partner topic is created as the subscription is: until every node knows it, subscribing fails.
  partner = await eventually(() => collectTopic(kafka, topics.partner('acme')).catch(() => undefined), 60_000, 'reading partner.acme');
  // The workers learn subscriptions from a Kafka topic: until a first article reaches the endpoint they may
  // not know it yet. Publish a warm-up article, give it 15 s to arrive, and publish another if it did not
  // (one at a time: a flood of them would queue ahead of the test's own articles).
  const deadline = Date.now() + 240_000;
  while (receiver.received.length === 0) {
    if (Date.now() > deadline) throw new Error('no webhook from the stack within 240 s of warm-up articles');
    await call('POST', '/v1/articles', { headline: `Warm-up ${Date.now()}`, body: ['The stack is up.'], categories: ['Notices'] });
    await eventually(() => (receiver.received.length > 0 ? true : undefined), 15_000, 'a warm-up webhook').catch(() => undefined);
  }
});

afterAll(async () => {
  await partner?.stop();
  await receiver.close();
});

describe('the compose stack', () => {
  it('takes the seed from the CLI to a signed webhook, the feed and the partner topic, then withdraws it', async () => {
    const published = await run(process.execPath, [join(root, 'bin', 'syndicate.js'), 'publish', '--api', API, SEED], {
      env: { ...process.env, SYNDICATE_ADMIN_TOKEN: TOKEN },
    });
    expect(published.stdout).toContain('accepted 1, rejected 0');
    // The id the API gave it, as the CLI reports it ("accepted FILE: ID v1").
    const id = /accepted \S+: (\S+) v1/.exec(published.stdout)?.[1] ?? '';
    expect(id).not.toBe('');

    await eventually(
      () => (deliveries().some((d) => d.id === id && d.type === 'article.published') ? true : undefined),
      60_000,
      'the signed webhook',
    );
    await eventually(async () => ((await feedIds('world')).includes(id) ? true : undefined), 60_000, 'the seed in the world feed');
    await eventually(() => (partnerIds('article.published').includes(id) ? true : undefined), 60_000, 'the seed on partner.acme');

    expect((await call('DELETE', `/v1/articles/${encodeURIComponent(id)}`)).status).toBe(202);
    await eventually(
      () => (deliveries().some((d) => d.id === id && d.type === 'article.withdrawn') ? true : undefined),
      60_000,
      'the withdrawal webhook',
    );
    await eventually(async () => ((await feedIds('world')).includes(id) ? undefined : true), 60_000, 'the seed gone from the feed');
    await eventually(() => (partnerIds('article.withdrawn').includes(id) ? true : undefined), 60_000, 'the withdrawal on partner.acme');
  });

  it('loses nothing when a Kafka node and the enricher container are killed under load', async () => {
    const accepted: string[] = [];
    /** Publishes one article, retrying while the API answers 503 (a node down: the bus is briefly unavailable). */
    const publish = async (n: number) => {
      const article = { headline: `Load article ${n} of the container test`, body: [`Paragraph of article ${n}.`], categories: ['World'] };
      const result = await eventually(
        async () => {
          const response = await call('POST', '/v1/articles', article).catch(() => undefined);
          return response?.status === 202 ? response : undefined;
        },
        120_000,
        `article ${n} to be accepted`,
      );
      accepted.push(String(result.json.id));
    };

    const loading = (async () => {
      for (let n = 0; n < LOAD_ARTICLES; n++) await publish(n);
    })();
    // Once the load is under way: SIGKILL one Kafka node and the enricher.
    await eventually(() => (accepted.length >= 8 ? true : undefined), 120_000, 'the load to start');
    await podman('kill', '--signal', 'KILL', container('kafka-2'));
    await podman('kill', '--signal', 'KILL', container('enricher'));
    await eventually(() => (accepted.length >= 20 ? true : undefined), 180_000, 'publishing to go on with a node down');
    // The restart policy brings a killed container back; start it if the engine did not (podman restarts only
    // on exits it did not cause itself).
    for (const service of ['kafka-2', 'enricher']) {
      const { stdout } = await podman('inspect', '--format', '{{.State.Running}}', container(service));
      if (stdout.trim() !== 'true') await podman('start', container(service));
    }
    await loading;
    expect(accepted).toHaveLength(LOAD_ARTICLES);

    await eventually(
      async () => {
        const hooked = new Set(
          deliveries()
            .filter((d) => d.type === 'article.published')
            .map((d) => d.id),
        );
        const inFeed = new Set(await feedIds('world'));
        const onTopic = new Set(partnerIds('article.published'));
        return accepted.every((id) => hooked.has(id) && inFeed.has(id) && onTopic.has(id)) ? true : undefined;
      },
      300_000,
      'every accepted article at the webhook, in the feed and on the partner topic',
    );
  });
});
