/**
 * Backfill and replay: a partner queue and a feed created after articles were published are filled from
 * `article-enriched` (latest live versions only), by `syndicate replay` with progress and by the API.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiConfig, ApiService } from '@syndicate/api';
import { parseConfig } from '@syndicate/config';
import { topicNames } from '@syndicate/contracts';
import { EnricherConfig, EnricherService } from '@syndicate/enricher';
import { FanoutConfig, FanoutService } from '@syndicate/fanout';
import { ensureTopics } from '@syndicate/kafka-runtime';
import { cleanRedis, collectTopic, eventually, isolation, testKafka, testLogger, testRedis } from '@syndicate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = 'backfill-admin-token-1';
const iso = isolation();
const infra = iso.env;
const logger = testLogger('backfill');
const kafka = testKafka();
const redis = testRedis();
const api = new ApiService(parseConfig(ApiConfig, { ...infra, PORT: '0', SYNDICATE_ADMIN_TOKEN: TOKEN }), logger);
const enricher = new EnricherService(parseConfig(EnricherConfig, { ...infra, ENRICHER_GROUP_ID: `enricher-${iso.id}` }), logger);
const fanout = new FanoutService(parseConfig(FanoutConfig, { ...infra, FANOUT_GROUP_ID: `fanout-${iso.id}` }), logger);

const admin = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
};

beforeAll(async () => {
  await api.start();
  await Promise.all([enricher.start(), fanout.start()]);
  for (const [id, category] of [
    ['bf-1', 'Business'],
    ['bf-2', 'Business'],
    ['bf-3', 'Sport'],
  ]) {
    expect(
      (await admin('POST', '/v1/articles', { id, headline: `Backfill story ${id}`, body: ['Text.'], categories: [category] })).status,
    ).toBe(202);
  }
  expect((await admin('DELETE', '/v1/articles/bf-2')).status).toBe(202);
  await eventually(
    async () => ((await fanout.feeds.get('bf-2'))?.withdrawn ? true : undefined),
    30_000,
    'all three processed and bf-2 withdrawn',
  );
  await eventually(async () => ((await fanout.feeds.list('all')).length === 2 ? true : undefined), 30_000, 'two live articles');
});

afterAll(async () => {
  await Promise.allSettled([api.stop(), enricher.stop(), fanout.stop()]);
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('backfill', () => {
  it('`syndicate replay` fills a new partner queue with the live articles, showing progress', async () => {
    const created = await admin('POST', '/v1/subscriptions', { type: 'partner-queue', partnerId: 'latecomer', format: 'ninjs' });
    const id = String(created.json.id);
    await fanout.registry.waitFor(id);
    await ensureTopics(kafka, [{ topic: topicNames(iso.topicPrefix).partner('latecomer') }]);
    const partner = await collectTopic(kafka, topicNames(iso.topicPrefix).partner('latecomer'));
    try {
      const root = join(import.meta.dirname, '..', '..');
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [join(root, 'bin', 'syndicate.js'), 'replay', '--subscription', id, '--days', '1', '--api', api.url],
        {
          env: { ...process.env, SYNDICATE_ADMIN_TOKEN: TOKEN },
        },
      );
      expect(stdout).toMatch(/completed: read \d+ records, delivered 2 articles/);
      expect(stderr).toMatch(/\d+\/\d+/); // progress lines
      await eventually(() => (partner.messages.length === 2 ? true : undefined), 20_000, 'two partner messages');
      expect(partner.messages.map((m) => m.key).sort()).toEqual(['bf-1', 'bf-3']); // bf-2 was withdrawn
    } finally {
      await partner.stop();
    }
  }, 60_000);

  it('fills a new feed through the API, with its filter', async () => {
    const created = await admin('POST', '/v1/subscriptions', { type: 'feed', slug: 'business', filter: { categories: ['Business'] } });
    const id = String(created.json.id);
    await fanout.registry.waitFor(id);
    expect((await fanout.feeds.list('business')).length).toBe(0);
    const started = await admin('POST', `/v1/subscriptions/${id}/backfill`, { days: 1 });
    expect(started.status).toBe(202);
    const status = await eventually(
      async () => {
        const s = await admin('GET', String(started.json.status));
        return s.json.state === 'completed' ? s.json : undefined;
      },
      30_000,
      'the backfill to complete',
    );
    expect(status.progress).toMatchObject({ delivered: 1 });
    expect((await fanout.feeds.list('business')).map((r) => r.article.id)).toEqual(['bf-1']);
    expect((await admin('POST', '/v1/subscriptions/nope/backfill', {})).status).toBe(404);
    expect((await admin('GET', '/v1/backfills/nope')).status).toBe(404);
  });
});
