import { cleanRedis, enrichedArticle, isolation, testRedis } from '@syndicate/test-support';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FeedStore } from './feed-store.js';

const redis = testRedis();
const iso = isolation();
afterAll(async () => {
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

const record = (id: string, version: number, publishedAt: string, headline = `story ${id} v${version}`) =>
  enrichedArticle(id, version, { headline, publishedAt });

describe('FeedStore on a real Redis', () => {
  const store = new FeedStore({ redis, keyPrefix: iso.redisKeyPrefix, maxItemsPerFeed: 3 });

  it('lists newest first, bounded per feed, and files items in the named feeds too', async () => {
    for (let i = 1; i <= 4; i++) await store.put(record(`a${i}`, 1, `2026-01-0${i}T00:00:00Z`), i % 2 === 0 ? ['even'] : []);
    expect((await store.list('all')).map((r) => r.article.id)).toEqual(['a4', 'a3', 'a2']);
    expect((await store.list('even')).map((r) => r.article.id)).toEqual(['a4', 'a2']);
  });

  it('never lets an older version overwrite a newer one (version 3 before version 2)', async () => {
    expect(await store.put(record('b', 3, '2026-02-01T00:00:00Z'), [])).toEqual(['all']);
    expect(await store.put(record('b', 2, '2026-02-01T00:00:00Z'), [])).toEqual([]);
    expect(await store.put(record('b', 3, '2026-02-01T00:00:00Z'), [])).toEqual([]);
    expect((await store.get('b'))?.record?.article.headline).toBe('story b v3');
  });

  it('pages back through older items for RFC 5005 archives', async () => {
    const archive = new FeedStore({ redis, keyPrefix: `${iso.redisKeyPrefix}archive:` });
    for (let day = 1; day <= 5; day++) await archive.put(record(`z${day}`, 1, `2026-05-0${day}T00:00:00Z`), []);
    const current = await archive.page('all', { limit: 2 });
    expect(current.items.map((r) => r.article.id)).toEqual(['z5', 'z4']);
    const older = await archive.page('all', { limit: 2, olderThan: current.olderThan });
    expect(older.items.map((r) => r.article.id)).toEqual(['z3', 'z2']);
    const oldest = await archive.page('all', { limit: 2, olderThan: older.olderThan });
    expect(oldest.items.map((r) => r.article.id)).toEqual(['z1']);
    expect(oldest.olderThan).toBeUndefined();
  });

  it('moves an updated article out of feeds it no longer matches', async () => {
    await store.put(record('c', 1, '2026-03-01T00:00:00Z'), ['sport']);
    expect((await store.put(record('c', 2, '2026-03-01T00:00:00Z'), ['culture'])).sort()).toEqual(['all', 'culture', 'sport']);
    expect((await store.list('sport')).map((r) => r.article.id)).not.toContain('c');
    expect((await store.list('culture')).map((r) => r.article.id)).toContain('c');
  });

  it('takes a withdrawn article out of every feed, and refuses a stale withdrawal', async () => {
    await store.put(record('d', 1, '2026-04-01T00:00:00Z'), ['sport']);
    expect((await store.withdraw('d', 2, new Date('2026-04-02T00:00:00Z'))).sort()).toEqual(['all', 'sport']);
    expect((await store.list('sport')).map((r) => r.article.id)).not.toContain('d');
    expect((await store.list('all')).map((r) => r.article.id)).not.toContain('d');
    expect(await store.get('d')).toMatchObject({ version: 2, withdrawn: true });
    expect((await store.page('sport', { limit: 10 })).tombstones).toEqual([{ id: 'd', withdrawnAt: '2026-04-02T00:00:00.000Z' }]);
    // Republished later (a newer version): back in the feed, tombstone gone.
    await store.put(record('d', 3, '2026-04-01T00:00:00Z'), ['sport']);
    expect((await store.page('sport', { limit: 10 })).tombstones).toEqual([]);
    await store.put(record('e', 5, '2026-04-01T00:00:00Z'), []);
    expect(await store.withdraw('e', 4)).toEqual([]);
  });

  it('reads an article’s feeds again when another write changed them between its read and its script', async () => {
    await store.put(record('f', 1, '2026-06-01T00:00:00Z'), ['sport']);
    // The first read is from before 'f' went into sport: the script finds a feed it was not given, and refuses.
    const smembers = vi.spyOn(redis, 'smembers').mockResolvedValueOnce([]);
    expect((await store.put(record('f', 2, '2026-06-01T00:00:00Z'), ['culture'])).sort()).toEqual(['all', 'culture', 'sport']);
    expect(smembers).toHaveBeenCalledTimes(2);
    smembers.mockRestore();
    expect((await store.list('sport')).map((r) => r.article.id)).not.toContain('f');
    expect((await store.list('culture')).map((r) => r.article.id)).toContain('f');
  });

  it('keeps every key under the store’s hash tag', async () => {
    const keys = await redis.keys(`${iso.redisKeyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !key.startsWith(`${iso.redisKeyPrefix}{feeds}:`) && !key.includes(':archive:'))).toEqual([]);
  });
});
