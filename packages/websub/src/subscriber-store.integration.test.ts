import { Keyring } from '@syndicate/config';
import { cleanRedis, isolation, testRedis } from '@syndicate/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { type HubSubscription, SubscriberStore } from './subscriber-store.js';

describe('SubscriberStore on a real Redis', () => {
  const iso = isolation();
  const redis = testRedis();
  const store = new SubscriberStore(redis, iso.redisKeyPrefix, iso.keyring);
  const limits = { perTopic: 3, perCallbackHost: 4, total: 6 };
  const subscription = (n: number, extra: Partial<HubSubscription> = {}): HubSubscription => ({
    topic: 'https://hub.example/feeds/all.atom',
    slug: 'all',
    format: 'atom',
    callback: `https://reader-${n}.example/cb`,
    leaseSeconds: 600,
    expiresAt: Date.now() + 600_000,
    ...extra,
  });
  afterAll(async () => {
    await cleanRedis(redis, iso.redisKeyPrefix);
    redis.disconnect();
  });

  it('lets no more than the bound in, however many race for the places', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, n) => store.put(subscription(n), limits)));
    expect(outcomes.filter((o) => o === null)).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'topic')).toHaveLength(17);
    expect(await store.list('all', 'atom')).toHaveLength(3);
    // A renewal of a live one is no new subscription; another one is refused before it is asked.
    const [first] = await store.list('all', 'atom');
    expect(await store.put({ ...first!, expiresAt: Date.now() + 900_000 }, limits)).toBeNull();
    expect(await store.wouldRefuse('all', 'atom', first!.callback, limits)).toBeNull();
    expect(await store.wouldRefuse('all', 'atom', 'https://reader-99.example/cb', limits)).toBe('topic');
    // Ending one frees its place.
    await store.remove('all', 'atom', first!.callback);
    expect(await store.wouldRefuse('all', 'atom', 'https://reader-99.example/cb', limits)).toBeNull();
  });

  it('counts callbacks per host over every topic, and the whole hub; expired leases do not count', async () => {
    const limits = { perTopic: 10, perCallbackHost: 3, total: 6 };
    const rss = (n: number, host: string, extra: Partial<HubSubscription> = {}) =>
      subscription(n, { slug: 'world', format: 'rss', callback: `https://${host}/cb/${n}`, ...extra });
    expect(await store.put(rss(1, 'busy.example'), limits)).toBeNull();
    expect(await store.put(rss(2, 'busy.example'), limits)).toBeNull();
    expect(await store.put(rss(3, 'busy.example', { slug: 'sport' }), limits)).toBeNull();
    expect(await store.put(rss(4, 'BUSY.example:8443'), limits)).toBe('host');
    expect(await store.count()).toBe(5); // 2 atom + 3 rss
    expect(await store.put(rss(5, 'other.example', { expiresAt: Date.now() - 1 }), { ...limits, total: 100 })).toBeNull();
    expect(await store.count()).toBe(5);
    expect(await store.put(rss(6, 'other.example'), limits)).toBeNull();
    expect(await store.put(rss(7, 'third.example'), limits)).toBe('total');
  });

  it('keeps the topic URL and the secret sealed, and still reads records written before sealing', async () => {
    const secret = 'a subscriber secret';
    const topic = 'https://hub.example/feeds/partners.json?token=the-partner-token';
    const roomy = { perTopic: 100, perCallbackHost: 100, total: 100 };
    expect(await store.put(subscription(1, { slug: 'partners', format: 'json', topic, secret, feedId: 'sub_1' }), roomy)).toBeNull();
    const raw = JSON.stringify(await redis.hgetall(SubscriberStore.recordsKey(iso.redisKeyPrefix, 'partners', 'json')));
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain('the-partner-token');
    expect(await store.get('partners', 'json', 'https://reader-1.example/cb')).toMatchObject({ topic, secret, feedId: 'sub_1' });
    // Sealed for its own place: another store (another key) cannot open it.
    const stranger = new SubscriberStore(redis, iso.redisKeyPrefix, Keyring.parse(Keyring.generateEntry('other')));
    await expect(stranger.get('partners', 'json', 'https://reader-1.example/cb')).rejects.toThrow(/not in SYNDICATE_SECRET_KEY/);
    expect(await stranger.list('partners', 'json')).toEqual([]); // left out, not fatal to a distribution

    const legacy = subscription(2, { slug: 'partners', format: 'json', topic, secret });
    await redis.hset(SubscriberStore.recordsKey(iso.redisKeyPrefix, 'partners', 'json'), legacy.callback, JSON.stringify(legacy));
    expect(await store.get('partners', 'json', legacy.callback)).toEqual(legacy);
    expect(await store.removeWhere('partners', (s) => s.feedId === 'sub_1' || s.feedId === undefined)).toBe(2);
    expect(await store.list('partners', 'json')).toEqual([]);
  });
});
