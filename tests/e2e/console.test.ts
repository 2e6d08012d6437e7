/**
 * The operators' console in a real headless Chromium (Debian's, driven by playwright-core; nothing downloads a
 * browser) over the whole pipeline on the real Kafka and Redis: without a session it sends you to sign-in; signed
 * in with the admin token it holds an HttpOnly, SameSite=Strict session cookie; an action without the CSRF token
 * is refused; the seed's journey fills in live (no reload) as it goes through enrichment, the feeds, the webhooks
 * and the partner topic (with the partition and offset that really hold its message there); pausing an endpoint holds
 * its delivery until it is resumed; a dead letter is redriven.
 * A partner link opens one endpoint's deliveries to its partner (and nothing else), who replays a dead letter with
 * its session's CSRF token; rotating or revoking the link ends it. The API docs page works under its own CSP.
 * Every page is screenshot into test-artifacts/console/ and checked with axe-core: no serious or critical issue.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseArticleInput } from '@syndicate/article-parser';
import { parseConfig } from '@syndicate/config';
import { deadLetterTopic, newEventAttributes, toKafkaRecord, topicNames } from '@syndicate/contracts';
import { DeliveryConfig, DeliveryService } from '@syndicate/delivery';
import { EnricherConfig, EnricherService } from '@syndicate/enricher';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { KeyedProducer, readTopicToEnd } from '@syndicate/kafka-runtime';
import { cleanRedis, eventually, isolation, startWebhookReceiver, testKafka, testLogger, testRedis } from '@syndicate/test-support';
import { endpointSlotKeys } from '@syndicate/webhooks';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SEED = join(ROOT, '..', 'shared', 'seeds', '000_6082e137c817fc36.txt');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TOKEN = `console-${Math.random().toString(36).slice(2)}-token`;
const STEP_MS = 30_000; // the budget of each thing awaited in the browser

const iso = isolation();
const infra = iso.env;
const logger = testLogger('console');
const groups = { enricher: `enricher-${iso.id}`, fanout: `fanout-${iso.id}` };

const api = new ApiService(
  parseConfig(ApiConfig, {
    ...infra,
    PORT: '0',
    SYNDICATE_ADMIN_TOKEN: TOKEN,
    SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
    RATE_LIMIT_PUBLIC: '100000', // the console's own requests are counted like any client's
    CONSOLE_SAMPLE_INTERVAL_MS: '500',
    CONSOLE_CONSUMER_GROUPS: `${groups.enricher},${groups.fanout}`,
  }),
  logger,
);
const enricher = new EnricherService(parseConfig(EnricherConfig, { ...infra, ENRICHER_GROUP_ID: groups.enricher }), logger);
const fanout = new FanoutService(parseConfig(FanoutConfig, { ...infra, FANOUT_GROUP_ID: groups.fanout, WEBHOOK_ATTEMPTS: '2' }), logger);
const delivery = new DeliveryService(
  parseConfig(DeliveryConfig, {
    ...infra,
    SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
    DELIVERY_TIMEOUT_MS: '5000',
    WEBHOOK_RETRY_SCHEDULE_MS: '200',
  }),
  logger,
);
const steady = await startWebhookReceiver(() => 204);
// Fails (so its deliveries end as dead letters) until the test mends it.
let brokenMended = false;
const broken = await startWebhookReceiver(() => (brokenMended ? 204 : 500));
const redis = testRedis();
let browser: Browser;

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

/** Screenshot, then axe-core in the page: no serious or critical violation. */
/** Uncaught errors of the console's own scripts, on any page of any context: none may happen. */
const pageErrors: string[] = [];

async function checkPage(page: Page, name: string): Promise<void> {
  expect(pageErrors, name).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.evaluate(AXE); // evaluated by the browser's debugger, which the page's CSP does not restrict
  const violations = await page.evaluate(async () => {
    const result = await (
      globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }
    ).axe.run();
    return result.violations.map(({ id, impact, nodes }) => ({ id, impact, nodes: nodes.length }));
  });
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    name,
  ).toEqual([]);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await api.start();
  await Promise.all([enricher.start(), fanout.start(), delivery.start()]);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.allSettled([api.stop(), enricher.stop(), fanout.stop(), delivery.stop(), steady.close(), broken.close()]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe("the operators' console", () => {
  const seed = parseArticleInput(readFileSync(SEED, 'utf8'));
  const ids = { steady: '', broken: '' };
  let page: Page;

  it('sends a browser without a session to sign-in, and refuses the wrong token', async () => {
    const context = await browser.newContext({ baseURL: api.url });
    context.on('weberror', (error) => {
      // A request the test's own navigation cut short is not a script error.
      if (!/Failed to fetch|NetworkError|aborted/i.test(error.error().message)) pageErrors.push(error.error().message);
    });
    page = await context.newPage();
    await page.goto('/console/webhooks');
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect((await page.request.get('/console/api/overview')).status()).toBe(401);
    expect((await page.request.get('/ops/queues/api/queues')).status()).toBe(401);
    await checkPage(page, 'sign-in');
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('not the admin token');
    expect(await context.cookies()).toEqual([]);
  });

  it('signs in once: an HttpOnly, SameSite=Strict, signed session cookie; actions without the CSRF token are refused', async () => {
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console$/, { timeout: STEP_MS });
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'syndicate_console', httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000);

    const hook = await call('POST', '/v1/subscriptions', { type: 'webhook', url: steady.url });
    const failing = await call('POST', '/v1/subscriptions', { type: 'webhook', url: broken.url });
    ids.steady = String(hook.json.id);
    ids.broken = String(failing.json.id);
    await call('POST', '/v1/subscriptions', { type: 'feed', slug: 'world', filter: { categories: ['World'] } });
    await call('POST', '/v1/subscriptions', { type: 'partner-queue', partnerId: 'acme', format: 'native' });
    const listed = (await call('GET', '/v1/subscriptions')).json.subscriptions as Array<{ id: string }>;
    await Promise.all(listed.flatMap((s) => [fanout.registry.waitFor(s.id), delivery.registry.waitFor(s.id)]));

    // The session alone is not enough for a state change: the CSRF token must come with it.
    const pause = `/console/api/webhooks/${ids.steady}/pause`;
    expect((await page.request.post(pause)).status()).toBe(403);
    expect((await page.request.post(pause, { headers: { 'x-csrf-token': 'guessed' } })).status()).toBe(403);
    expect((await page.request.post(`/console/api/dlq/${ids.broken}/redrive`, { data: {} })).status()).toBe(403);
    expect((await page.request.post('/console/sign-out', { form: { _csrf: 'guessed' } })).status()).toBe(403);
    expect((await call('GET', `/v1/subscriptions/${ids.steady}`)).json.paused).toBe(false);
    // bull-board opens with the same session; it is never framed or cached, nor is the console's JSON.
    const board = await page.request.get('/ops/queues/api/queues');
    expect(board.status()).toBe(200);
    expect(board.headers()).toMatchObject({ 'x-frame-options': 'DENY', 'cache-control': 'no-store' });
    expect((await page.request.get('/console/api/webhooks')).headers()['cache-control']).toBe('no-store');
  });

  it('bounds the event streams one session holds open', async () => {
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const open = async () => {
      const controller = new AbortController();
      const response = await fetch(`${api.url}/console/events`, { headers: { cookie }, signal: controller.signal });
      return { status: response.status, close: () => controller.abort() };
    };
    const streams = [];
    for (let n = 0; n < 8; n++) streams.push(await open());
    try {
      // The page itself may hold one: at most eight in all for the session, so the ninth is refused.
      expect(streams.map((s) => s.status).filter((status) => status === 200).length).toBeGreaterThanOrEqual(7);
      expect((await open()).status).toBe(429);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('follows the seed live: versions, enrichment, feeds, webhooks and the partner topic fill in without a reload', async () => {
    await page.goto('/console/journey');
    const accepted = await call('POST', '/v1/articles', seed);
    expect(accepted.status).toBe(202);
    await page.getByLabel('Article id or headline words').fill(seed.id ?? '');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('#journey').waitFor({ timeout: STEP_MS });
    await page.evaluate(() => Object.assign(globalThis, { stillTheSamePage: true }));
    await page.locator('#journey-feeds', { hasText: 'world' }).waitFor({ timeout: STEP_MS });
    await page.locator('#journey-webhooks tr', { hasText: ids.steady }).filter({ hasText: '204' }).waitFor({ timeout: STEP_MS });
    await page.locator('#journey-partners', { hasText: 'acme' }).waitFor({ timeout: STEP_MS });
    const written = page.locator('#journey-partner-offsets tbody tr', { hasText: 'acme (native)' });
    await written.first().waitFor({ timeout: STEP_MS });
    // The row's partition and offset hold the seed's message in acme's topic, read back from Kafka.
    const [version, type, , topic, partition, offset] = await written.first().locator('td').allTextContents();
    expect(topic).toBe(topicNames(iso.topicPrefix).partner('acme'));
    const held: Array<{ key?: string; version?: string; type?: string }> = [];
    await readTopicToEnd(testKafka(), topic ?? '', ({ partition: p, messages }) => {
      for (const m of messages)
        if (String(p) === partition && m.offset === offset)
          held.push({
            key: m.key?.toString(),
            version: m.headers?.['syndicate-version']?.toString(),
            type: m.headers?.ce_type?.toString(),
          });
    });
    expect(held).toEqual([{ key: seed.id, version, type }]);
    expect(await page.locator('#journey-entities span').count()).toBeGreaterThan(0);
    expect(await page.locator('#journey-topics span').count()).toBeGreaterThan(0);
    expect(await page.locator('#journey-state').textContent()).toContain('Live');
    expect(await page.evaluate(() => (globalThis as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    await checkPage(page, 'journey');
  });

  it('lists every version of a story with what became of it: sent, held for its embargo, withdrawn', async () => {
    const story = { headline: 'Harbour bridge reopens to traffic', body: ['Cars crossed again.'], categories: ['World'] };
    const first = await call('POST', '/v1/articles', story);
    const storyId = String(first.json.id);
    await page.goto('/console/journey');
    await page.getByLabel('Article id or headline words').fill(storyId);
    await page.getByRole('button', { name: 'Find' }).click();
    const versionRow = (version: number) =>
      page.locator('#journey-versions tbody tr').filter({ has: page.locator(`td:first-child:text-is("${version}")`) });
    await versionRow(1).filter({ hasText: 'sent' }).waitFor({ timeout: STEP_MS });
    expect(await versionRow(1).textContent()).toContain(story.headline);

    const embargoUntil = new Date(Date.now() + 3_600_000).toISOString();
    const update = await call('POST', '/v1/articles', {
      ...story,
      id: storyId,
      headline: 'Harbour bridge reopens, tolls return',
      embargoUntil,
    });
    expect(update.status).toBe(202);
    await versionRow(2).filter({ hasText: 'held' }).waitFor({ timeout: STEP_MS });
    expect(await versionRow(2).textContent()).toContain(embargoUntil);

    expect((await call('DELETE', `/v1/articles/${storyId}`)).status).toBe(202);
    const withdrawal = page.locator('#journey-versions tbody tr', { hasText: 'article.withdrawn' });
    await withdrawal.filter({ hasText: 'sent' }).waitFor({ timeout: STEP_MS });
    await page.locator('#journey-state', { hasText: 'Withdrawn' }).waitFor({ timeout: STEP_MS });
  });

  it('pauses an endpoint: its delivery waits until it is resumed', async () => {
    const webhooksPage = await page.context().newPage();
    await webhooksPage.goto('/console/webhooks');
    await checkPage(webhooksPage, 'webhooks');
    // Health: the steady endpoint's p99 over its attempts so far; a slow mark (as the delivery sets it) shows.
    const steadyRow = webhooksPage.locator('tr', { hasText: ids.steady });
    expect(await steadyRow.textContent()).toMatch(/\d+ ms/);
    await redis.set(endpointSlotKeys(iso.redisKeyPrefix, ids.steady).slow, '1', 'PX', 60_000);
    await webhooksPage.reload();
    await steadyRow.filter({ hasText: 'slow (served by its own queue)' }).waitFor({ timeout: STEP_MS });
    await redis.del(endpointSlotKeys(iso.redisKeyPrefix, ids.steady).slow);
    await webhooksPage.reload();
    await steadyRow.filter({ hasText: 'active' }).waitFor({ timeout: STEP_MS });
    await webhooksPage.getByRole('button', { name: `Pause ${ids.steady}` }).click();
    await webhooksPage.getByRole('button', { name: `Resume ${ids.steady}` }).waitFor({ timeout: STEP_MS });
    await delivery.registry.waitFor(ids.steady, STEP_MS, (s) => s.type === 'webhook' && s.paused);

    const next = await call('POST', '/v1/articles', {
      headline: 'Ferry service resumes after storm',
      body: ['Boats sailed again.'],
      categories: ['World'],
    });
    const nextId = String(next.json.id);
    await page.getByLabel('Article id or headline words').fill(nextId);
    await page.getByRole('button', { name: 'Find' }).click();
    // The page shows this story now (the story before had rows of this endpoint too).
    await page.locator('#journey', { hasText: `id ${nextId}` }).waitFor({ timeout: STEP_MS });
    // Held on the endpoint's own queue, and not sent.
    const held = page.locator('#journey-webhooks tr', { hasText: ids.steady }).filter({ hasText: /waiting|paused/ });
    await held.waitFor({ timeout: STEP_MS });
    expect(await held.textContent()).toContain('none yet');
    expect(steady.received.some((r) => r.body.includes(nextId))).toBe(false);

    await webhooksPage.getByRole('button', { name: `Resume ${ids.steady}` }).click();
    await webhooksPage.getByRole('button', { name: `Pause ${ids.steady}` }).waitFor({ timeout: STEP_MS });
    await page.locator('#journey-webhooks tr', { hasText: ids.steady }).filter({ hasText: '204' }).waitFor({ timeout: STEP_MS });
    expect(steady.received.some((r) => r.body.includes(nextId))).toBe(true);
    await webhooksPage.getByRole('button', { name: `Attempts of ${ids.steady}` }).click();
    await webhooksPage.locator('#attempts tr', { hasText: '204' }).first().waitFor({ timeout: STEP_MS });
    await webhooksPage.close();
  });

  it('shows a dead letter with its reason and redrives it', async () => {
    await page.goto('/console/dlq');
    // The failing endpoint's deliveries end as dead letters after their two attempts; the page is read again until one shows.
    await eventually(
      async () => {
        await page.reload();
        await page.locator('#dlq').waitFor();
        return (await page.getByRole('button', { name: /^Redrive msg_/ }).count()) > 0 ? true : undefined;
      },
      STEP_MS,
      'a dead letter on the DLQ page',
    );
    expect(await page.locator('#dlq').textContent()).toContain('500');
    await checkPage(page, 'dlq');
    brokenMended = true;
    const before = broken.received.length;
    await page
      .getByRole('button', { name: /^Redrive msg_/ })
      .first()
      .click();
    await page.getByRole('status').filter({ hasText: 'redriven: 1' }).waitFor({ timeout: STEP_MS });
    await eventually(
      () => (broken.received.slice(before).some((r) => r.status === 204) ? true : undefined),
      STEP_MS,
      'the redriven delivery',
    );
  });

  it("replays a time range of an endpoint's dead letters from its page", async () => {
    brokenMended = false;
    const next = await call('POST', '/v1/articles', { headline: 'Harbour reopens', body: ['Ships came in.'], categories: ['World'] });
    const nextId = String(next.json.id);
    // Its delivery to the failing endpoint ends as a dead letter after its two attempts.
    await eventually(
      async () => {
        const view = (await (await page.request.get('/console/api/dlq')).json()) as {
          endpoints: Array<{ endpointId: string; deadLetters: Array<{ articleId: string | null }> }>;
        };
        return view.endpoints.find((e) => e.endpointId === ids.broken)?.deadLetters.some((d) => d.articleId === nextId) ? true : undefined;
      },
      STEP_MS,
      'the new dead letter',
    );
    brokenMended = true;
    const before = broken.received.length;
    const webhooksPage = await page.context().newPage();
    await webhooksPage.goto('/console/webhooks');
    await webhooksPage.getByRole('button', { name: `Replay a range of ${ids.broken}` }).click();
    const form = webhooksPage.getByRole('form', { name: `Replay ${ids.broken}` });
    await form.waitFor({ timeout: STEP_MS });
    await checkPage(webhooksPage, 'webhooks-replay');
    await form.getByRole('button', { name: 'Replay the range' }).click();
    await webhooksPage
      .getByRole('status')
      .filter({ hasText: `${ids.broken}: replayed` })
      .waitFor({ timeout: STEP_MS });
    expect(await webhooksPage.getByRole('status').textContent()).toMatch(/replayed [1-9]/);
    await eventually(
      () => (broken.received.slice(before).some((r) => r.status === 204 && r.body.includes(nextId)) ? true : undefined),
      STEP_MS,
      'the replayed delivery',
    );
    await webhooksPage.close();
  });

  it("browses a Kafka dead-letter topic's messages with their reason and redrives one (an invalid event comes back)", async () => {
    const topics = topicNames(iso.topicPrefix);
    const dlqTopic = deadLetterTopic(topics.articleEvents);
    const producer = new KeyedProducer(testKafka());
    const attributes = newEventAttributes({ source: 'rogue-producer', type: 'article.published', partitionkey: 'bad-1' });
    await producer.send(topics.articleEvents, [toKafkaRecord(attributes, { id: 'bad-1', version: 1, body: ['no headline'] })]);
    await producer.stop();

    const section = page.locator(`section[data-topic="${dlqTopic}"]`);
    const row = section.locator('tbody tr', { hasText: 'bad-1' });
    await eventually(
      async () => {
        await page.goto('/console/dlq');
        await section.waitFor({ timeout: STEP_MS });
        return (await row.count()) > 0 ? true : undefined;
      },
      STEP_MS,
      'the invalid event on the DLQ page',
    );
    expect(await row.first().textContent()).toMatch(/headline/);
    expect(await row.first().textContent()).toContain(topics.articleEvents);
    await checkPage(page, 'dlq-kafka');
    // Without the CSRF token, no redrive.
    expect((await page.request.post(`/console/api/dlq/topics/${dlqTopic}/redrive`, { data: {} })).status()).toBe(403);

    await row
      .first()
      .getByRole('button', { name: /^Redrive / })
      .click();
    await page
      .getByRole('status')
      .filter({ hasText: `redriven 1 to ${topics.articleEvents}` })
      .waitFor({ timeout: STEP_MS });
    await section.locator('tbody tr', { hasText: 'redriven' }).waitFor({ timeout: STEP_MS });
    /** The page read again until the topic holds `count` bad-1 messages. */
    const bad1Messages = (count: number, what: string) =>
      eventually(
        async () => {
          await page.goto('/console/dlq');
          await section.locator('tbody tr').first().waitFor({ timeout: STEP_MS });
          return (await row.count()) >= count ? true : undefined;
        },
        STEP_MS,
        what,
      );
    // Redriven as it was, the event is invalid still: the enricher dead-letters it again, a second bad-1 message.
    await bad1Messages(2, 'the redriven invalid event back in the dead-letter topic');
    // Redrive all: only what was not redriven before goes (the second bad-1), and it comes back a third time.
    await section.getByRole('button', { name: `Redrive all of ${dlqTopic}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `redriven 1 to ${topics.articleEvents}` })
      .waitFor({ timeout: STEP_MS });
    await bad1Messages(3, 'the invalid event back once more after redrive all');
  });

  it('shows the feeds with their items and subscribers, and the partner topics with their offsets', async () => {
    await page.goto('/console/feeds');
    const world = page.locator('#feed-world');
    await world.waitFor({ timeout: STEP_MS });
    expect(await world.textContent()).toContain(seed.id ?? '');
    expect(await page.locator('#feed-all').textContent()).toContain(seed.id ?? '');
    expect(await world.getByRole('table', { name: 'WebSub subscribers of world' }).count()).toBe(1);
    await checkPage(page, 'feeds');

    await page.goto('/console/partners');
    const acme = page.locator('#partner-topics tr', { hasText: 'acme' });
    await acme.waitFor({ timeout: STEP_MS });
    // The seed went to acme's topic: some partition's high watermark is past its low one.
    const offsets = [...((await acme.textContent()) ?? '').matchAll(/(\d+): (\d+) – (\d+)/g)];
    expect(offsets.length).toBeGreaterThan(0);
    expect(offsets.some(([, , low, high]) => Number(high) > Number(low))).toBe(true);
    await checkPage(page, 'partners');
  });

  it('shows the overview: rates, dead letters and per-partition lag, updated by the samples', async () => {
    // From no sample at all (as on a fresh installation) to the samples arriving live.
    await redis.del(`${iso.redisKeyPrefix}console:samples`);
    await page.goto('/console');
    await page.locator('#overview-tables p').waitFor({ timeout: STEP_MS });
    await page.locator('#lag tbody tr', { hasText: groups.fanout }).first().waitFor({ timeout: STEP_MS });
    const first = await page.locator('#overview-tables p').textContent();
    await page.waitForFunction(
      (text) =>
        (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector(
          '#overview-tables p',
        )?.textContent !== text,
      first,
      { timeout: STEP_MS },
    );
    expect(await page.locator('figure canvas').count()).toBe(5);
    // The lag chart has a line per group, topic and partition (its legend names them), not one total.
    const lagLines = page.locator('figure', { hasText: 'Consumer lag' }).locator('.u-legend .u-label');
    expect(await lagLines.filter({ hasText: groups.fanout }).count()).toBeGreaterThan(0);
    expect(await lagLines.filter({ hasText: groups.enricher }).count()).toBeGreaterThan(0);
    // A delivery carries its stage times: once a sample has taken one, each stage's p50 and p99 are shown.
    await call('POST', '/v1/articles', { headline: 'Tide tables published', body: ['High water at noon.'], categories: ['World'] });
    for (const stage of ['publish → enriched', 'enriched → fanned out', 'fanned out → delivered', 'publish → delivered']) {
      await page
        .locator('#stages tr', { hasText: stage })
        .filter({ hasText: /\d+ ms\d+ ms[1-9]/ })
        .waitFor({ timeout: STEP_MS });
    }
    await checkPage(page, 'overview');
  });

  it("opens a partner link on its own endpoint's deliveries only, replays a dead letter, and stops when rotated or revoked", async () => {
    brokenMended = false;
    const issued = await call('POST', `/v1/subscriptions/${ids.broken}/portal-token`);
    expect(issued.status).toBe(200);
    const link = String(issued.json.url);
    const context = await browser.newContext({ baseURL: api.url });
    context.on('weberror', (error) => {
      // A request the test's own navigation cut short is not a script error.
      if (!/Failed to fetch|NetworkError|aborted/i.test(error.error().message)) pageErrors.push(error.error().message);
    });
    const partnerPage = await context.newPage();
    await partnerPage.goto(link);
    // The token left the address for a cookie of the partner's own, scoped to its pages.
    expect(partnerPage.url()).toBe(`${api.url}/console/partner`);
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['syndicate_partner']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console/partner' });

    const next = await call('POST', '/v1/articles', {
      headline: 'Bridge closed for repairs',
      body: ['Traffic diverted.'],
      categories: ['World'],
    });
    expect(next.status).toBe(202);
    const replayButton = partnerPage.getByRole('button', { name: /^Replay msg_/ });
    await eventually(
      async () => {
        await partnerPage.reload();
        await partnerPage.locator('#dead-letters').waitFor({ timeout: STEP_MS });
        return (await replayButton.count()) > 0 ? true : undefined;
      },
      STEP_MS,
      'a dead letter on the partner page',
    );
    expect(await partnerPage.locator('#attempts').textContent()).toContain('500');
    await checkPage(partnerPage, 'partner');

    // Nothing but its own endpoint: another's JSON is refused, the operators' pages and bull-board want a sign-in.
    expect((await partnerPage.request.get(`/console/partner/api/endpoints/${ids.steady}`)).status()).toBe(403);
    expect((await partnerPage.request.post(`/console/partner/api/endpoints/${ids.steady}/replay`, { data: {} })).status()).toBe(403);
    expect((await partnerPage.request.get(`/console/api/webhooks/${ids.broken}/attempts`)).status()).toBe(401);
    expect((await partnerPage.request.get('/ops/queues/api/queues')).status()).toBe(401);
    await partnerPage.goto('/console/webhooks');
    expect(new URL(partnerPage.url()).pathname).toBe('/console/sign-in');
    await partnerPage.goto('/console/partner');

    // A replay needs the session's CSRF token.
    const messageId = ((await replayButton.first().getAttribute('aria-label')) ?? '').replace('Replay ', '');
    const replayUrl = `/console/partner/api/endpoints/${ids.broken}/replay`;
    expect((await partnerPage.request.post(replayUrl, { data: { messageId } })).status()).toBe(403);
    expect((await partnerPage.request.post(replayUrl, { data: { messageId }, headers: { 'x-csrf-token': 'guessed' } })).status()).toBe(403);
    brokenMended = true;
    const before = broken.received.length;
    await partnerPage.getByRole('button', { name: `Replay ${messageId}` }).click();
    await partnerPage
      .getByRole('status')
      .filter({ hasText: `${messageId}: replayed 1` })
      .waitFor({ timeout: STEP_MS });
    await eventually(
      () => (broken.received.slice(before).some((r) => r.status === 204 && r.headers['webhook-id'] === messageId) ? true : undefined),
      STEP_MS,
      'the delivery the partner replayed',
    );

    // Rotated: the old link opens nothing and the session it opened ends; the new link works until revoked.
    const rotated = await call('POST', `/v1/subscriptions/${ids.broken}/portal-token`);
    expect((await partnerPage.request.get(`/console/partner/api/endpoints/${ids.broken}`)).status()).toBe(401);
    expect((await partnerPage.goto(link))?.status()).toBe(401);
    expect((await partnerPage.goto(String(rotated.json.url)))?.status()).toBe(200);
    expect((await partnerPage.request.get(`/console/partner/api/endpoints/${ids.broken}`)).status()).toBe(200);
    expect((await call('DELETE', `/v1/subscriptions/${ids.broken}/portal-token`)).json).toEqual({ id: ids.broken, revoked: true });
    expect((await partnerPage.request.get(`/console/partner/api/endpoints/${ids.broken}`)).status()).toBe(401);
    expect((await partnerPage.goto(String(rotated.json.url)))?.status()).toBe(401);
    await context.close();
  });

  it('shows the API docs (Swagger UI) under their own Content-Security-Policy: nothing blocked, "Try it out" reaches the API', async () => {
    const context = await browser.newContext({ baseURL: api.url });
    context.on('weberror', (error) => {
      // A request the test's own navigation cut short is not a script error.
      if (!/Failed to fetch|NetworkError|aborted/i.test(error.error().message)) pageErrors.push(error.error().message);
    });
    const docs = await context.newPage();
    // Every violation the page meets, reported by the browser itself.
    await docs.addInitScript(() => {
      const seen: string[] = [];
      Object.assign(globalThis, { cspViolations: seen });
      const { document } = globalThis as unknown as {
        document: { addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void };
      };
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const answer = await docs.goto('/docs');
    expect(answer?.headers()['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self';/);
    const health = docs.locator('.opblock', { hasText: '/healthz' }).first();
    await health.waitFor({ timeout: STEP_MS });
    await health.locator('.opblock-summary').click();
    await health.getByRole('button', { name: 'Try it out' }).click();
    await health.getByRole('button', { name: 'Execute' }).click();
    await health.locator('.live-responses-table .response-col_status', { hasText: '200' }).waitFor({ timeout: STEP_MS });
    expect(await docs.evaluate(() => (globalThis as { cspViolations?: string[] }).cspViolations)).toEqual([]);
    await docs.screenshot({ path: join(ARTIFACTS, 'api-docs.png') });
    await context.close();
  });

  it('signs out: the session is revoked', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/console\/sign-in$/, { timeout: STEP_MS });
    expect((await page.request.get('/console/api/overview')).status()).toBe(401);
    expect((await page.request.get('/ops/queues/api/queues')).status()).toBe(401);
  });

  it('refuses sign-in from an address that guessed wrong ten times in the window, even with the right token', async () => {
    const signIn = (token: string) =>
      fetch(`${api.url}/console/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
        redirect: 'manual',
      });
    const statuses: number[] = [];
    for (let n = 0; n < 12; n++) statuses.push((await signIn(`wrong-guess-${n}`)).status);
    // One wrong token was tried by the first test already: the tenth failure is the last one answered 401.
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.at(-1)).toBe(429);
    const locked = await signIn(TOKEN);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
