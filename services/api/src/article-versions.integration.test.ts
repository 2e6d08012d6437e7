/**
 * The version store on a real Redis: identical content is answered with the version it made, but only once that
 * version's event is out, so a failed or abandoned publish never makes a retry a silent no-op (no story lost).
 */
import { cleanRedis, isolation, testRedis } from '@syndicate/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { ArticleVersions, PublishInFlightError, StaleVersionError } from './article-versions.js';

const iso = isolation();
const redis = testRedis();
const versions = new ArticleVersions(redis, iso.redisKeyPrefix, { leaseMs: 200, waitMs: 50 });

afterAll(async () => {
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('ArticleVersions', () => {
  it('answers identical content with the published version, and anything else with the next', async () => {
    expect(await versions.assign('a', 'd1')).toEqual({ version: 1, isNew: true, unchanged: false });
    await versions.settle('a', 'd1', 1, true);
    expect(await versions.assign('a', 'd1')).toEqual({ version: 1, isNew: false, unchanged: true });
    expect(await versions.assign('a', 'd1', 1)).toMatchObject({ version: 1, unchanged: true });
    expect(await versions.assign('a', 'd2')).toMatchObject({ version: 2, unchanged: false });
    await expect(versions.assign('a', 'd3', 2)).rejects.toBeInstanceOf(StaleVersionError);
  });

  it('takes a newer version the client names even for identical content', async () => {
    await versions.assign('b', 'd1');
    await versions.settle('b', 'd1', 1, true);
    expect(await versions.assign('b', 'd1', 5)).toMatchObject({ version: 5, unchanged: false });
  });

  it('publishes the same version again after a failed publish: not "unchanged", and no new version', async () => {
    // The failed send may still land: a second copy of version 1 is dropped downstream, a version 2 would not be.
    await versions.assign('c', 'd1');
    await versions.settle('c', 'd1', 1, false, 'article.published');
    expect(await versions.assign('c', 'd1')).toEqual({ version: 1, isNew: true, unchanged: false });
    await versions.settle('c', 'd1', 1, true);
    expect(await versions.assign('c', 'd1')).toMatchObject({ version: 1, unchanged: true });
    // An update that failed is sent again as the same update; other content still gets the next version.
    expect(await versions.assign('c', 'd2')).toMatchObject({ version: 2, unchanged: false });
    await versions.settle('c', 'd2', 2, false, 'article.updated');
    expect(await versions.assign('c', 'd2')).toEqual({ version: 2, isNew: false, unchanged: false });
    await versions.settle('c', 'd2', 2, false, 'article.updated');
    expect(await versions.assign('c', 'd3')).toMatchObject({ version: 3, unchanged: false });
    const many = new ArticleVersions(redis, iso.redisKeyPrefix, { leaseMs: 200, waitMs: 50 });
    await many.settleMany([{ id: 'c', digest: 'd3', version: 3, type: 'article.updated' }], false);
    expect(await many.assignMany([{ id: 'c', digest: 'd3' }])).toEqual([{ version: 3, isNew: false, unchanged: false }]);
  });

  it('forgets a failed publish after unsentMs: identical content then makes a new version', async () => {
    const brief = new ArticleVersions(redis, iso.redisKeyPrefix, { leaseMs: 200, waitMs: 50, unsentMs: 50 });
    await brief.assign('e', 'd1');
    await brief.settle('e', 'd1', 1, false, 'article.published');
    await new Promise((resolve) => setTimeout(resolve, 100)); // the marker's expiry (50 ms) is the property under test
    expect(await brief.assign('e', 'd1')).toMatchObject({ version: 2, unchanged: false });
  });

  it('holds identical requests while a publish is in flight, and lets them go when its lease ends', async () => {
    await versions.assign('d', 'd1'); // never settled: its process died
    await expect(versions.assign('d', 'd1')).rejects.toBeInstanceOf(PublishInFlightError);
    await new Promise((resolve) => setTimeout(resolve, 250)); // the lease (200 ms) is the property under test
    expect(await versions.assign('d', 'd1')).toMatchObject({ version: 2, unchanged: false });
  });

  it('assigns many in one call, each as assign would, and says in place which could not be', async () => {
    await versions.assign('m1', 'd1');
    await versions.settle('m1', 'd1', 1, true);
    await versions.assign('m3', 'd1'); // in flight, never settled
    await versions.assign('m4', 'd1');
    await versions.assign('m4', 'd2');
    const answers = await versions.assignMany([
      { id: 'm1', digest: 'd1' },
      { id: 'm2', digest: 'd1' },
      { id: 'm3', digest: 'd1' },
      { id: 'm4', digest: 'd3', requested: 1 },
      { id: 'm1', digest: 'd2', requested: 7 },
    ]);
    expect(answers[0]).toEqual({ version: 1, isNew: false, unchanged: true });
    expect(answers[1]).toEqual({ version: 1, isNew: true, unchanged: false });
    expect(answers[2]).toBeInstanceOf(PublishInFlightError);
    expect(answers[3]).toMatchObject({ latest: 2 });
    expect(answers[3]).toBeInstanceOf(StaleVersionError);
    expect(answers[4]).toEqual({ version: 7, isNew: false, unchanged: false });
    await versions.settleMany([{ id: 'm2', digest: 'd1', version: 1 }], true);
    expect(await versions.assign('m2', 'd1')).toMatchObject({ version: 1, unchanged: true });
  });
});
