/**
 * scripts/migrate-redis-keys.ts on data in the layout from before the stores' hash tags: once it has run, the
 * stores read what was written before (feed items and their versions, hub subscriptions, attempt logs, version
 * counters), and a key whose new name is taken is left where it is and reported.
 */
import { FeedStore } from '@syndicate/feed-store';
import { cleanRedis, enrichedArticle, isolation, testRedis } from '@syndicate/test-support';
import { AttemptLog } from '@syndicate/webhooks';
import { SubscriberStore } from '@syndicate/websub';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateRedisKeys } from '../../scripts/migrate-redis-keys.js';

const iso = isolation();
const redis = testRedis();
const p = iso.redisKeyPrefix;

afterAll(async () => {
  await cleanRedis(redis, p);
  redis.disconnect();
});

describe('migrateRedisKeys', () => {
  it('moves every store’s keys under its hash tag, where the stores find them', async () => {
    const record = enrichedArticle('old', 3, { publishedAt: '2026-01-01T00:00:00.000Z' });
    const expiresAt = Date.now() + 3_600_000;
    const subscription = {
      topic: 'https://hub.example/feeds/news.atom',
      slug: 'news',
      format: 'atom',
      callback: 'https://reader.example/cb',
      leaseSeconds: 3600,
      expiresAt,
    };
    // As the services wrote them before.
    await redis
      .multi()
      .hset(`${p}feeds:item:old`, 'version', '3', 'json', JSON.stringify(record), 'html', '<p>old</p>', 'withdrawn', '0')
      .zadd(`${p}feeds:feed:all`, Date.parse(record.article.publishedAt), 'old')
      .sadd(`${p}feeds:in:old`, 'all')
      .hset(`${p}websub:subs:news:atom`, subscription.callback, JSON.stringify(subscription))
      .zadd(`${p}websub:live:news:atom`, expiresAt, subscription.callback)
      .zadd(`${p}websub:live-host:reader.example`, expiresAt, `news atom ${subscription.callback}`)
      .zadd(`${p}websub:live-all`, expiresAt, `news atom ${subscription.callback}`)
      .lpush(
        `${p}webhooks:attempts:ep1`,
        JSON.stringify({ at: 'then', messageId: 'msg_1', attempt: 1, status: 204, latencyMs: 3, ok: true }),
      )
      .set(`${p}articles:version:old`, '3')
      .set(`${p}websub:doc:abc`, 'a document keeps its name')
      .exec();

    expect(await migrateRedisKeys(redis, p, { dryRun: true })).toEqual({ moved: 9, conflicts: [] });
    expect(await redis.exists(`${p}feeds:item:old`)).toBe(1); // a dry run moves nothing
    expect(await migrateRedisKeys(redis, p)).toEqual({ moved: 9, conflicts: [] });

    const feeds = new FeedStore({ redis, keyPrefix: p });
    expect((await feeds.list('all')).map((item) => [item.article.id, item.bodyHtml])).toEqual([['old', '<p>old</p>']]);
    // The stored version came along: an older one is still refused, a newer one leaves the feed it was in.
    expect(await feeds.put(enrichedArticle('old', 2), [])).toEqual([]);
    expect(await feeds.put(enrichedArticle('old', 4), [], { inAll: false })).toEqual(['all']);

    const hub = new SubscriberStore(redis, p, iso.keyring);
    expect(await hub.count()).toBe(1);
    expect(await hub.list('news', 'atom')).toEqual([subscription]);
    expect((await new AttemptLog(redis, p, 10).list('ep1')).map((a) => a.messageId)).toEqual(['msg_1']);
    expect(await redis.get(`${p}{articles}:version:old`)).toBe('3');
    expect(await redis.get(`${p}websub:doc:abc`)).toBe('a document keeps its name');
    expect(await redis.keys(`${p}feeds:*`)).toEqual([]);
  });

  it('leaves a key in place when its new name is taken, and says so', async () => {
    await redis.set(`${p}articles:version:twice`, '5');
    await redis.set(`${p}{articles}:version:twice`, '1');
    expect(await migrateRedisKeys(redis, p)).toEqual({ moved: 0, conflicts: [`${p}articles:version:twice`] });
    expect(await redis.get(`${p}{articles}:version:twice`)).toBe('1');
  });
});
