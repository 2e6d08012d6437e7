/**
 * The partner-offset log on a real Redis: newest first, bounded in length and age (it is written on the fanout's
 * hot path for every article version, so it must never grow without end), one list per article.
 */
import { cleanRedis, isolation, testRedis } from '@syndicate/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { type PartnerOffset, PartnerOffsetLog } from './partner-offsets.js';

const redis = testRedis();
const iso = isolation();
afterAll(async () => {
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

const offset = (version: number, n: number): PartnerOffset => ({
  version,
  type: version === 1 ? 'article.published' : 'article.updated',
  partnerId: 'wire',
  format: 'native',
  topic: 'partner.wire',
  partition: n % 3,
  offset: String(n),
  at: new Date().toISOString(),
});

describe('PartnerOffsetLog on a real Redis', () => {
  it('keeps the newest entries first, at most maxEntries, expiring, apart per article', async () => {
    const log = new PartnerOffsetLog(redis, iso.redisKeyPrefix, 5, 60);
    for (let version = 1; version <= 4; version++)
      await log.record('a', [offset(version, version * 10), offset(version, version * 10 + 1)]);
    await log.record('b', [offset(1, 99)]);
    await log.record('c', []); // nothing to record: no key

    const a = await log.list('a');
    expect(a.map((o) => o.offset)).toEqual(['41', '40', '31', '30', '21']);
    expect(a[0]).toEqual({ ...offset(4, 41), at: a[0]?.at });
    expect((await log.list('b')).map((o) => o.offset)).toEqual(['99']);
    expect(await log.list('c')).toEqual([]);
    const ttl = await redis.ttl(`${iso.redisKeyPrefix}fanout:partner-offsets:a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await redis.exists(`${iso.redisKeyPrefix}fanout:partner-offsets:c`)).toBe(0);
  });
});
