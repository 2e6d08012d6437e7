/**
 * Console sessions end for real, in Redis, not only by their cookies failing to verify: an API started with another
 * admin token deletes every session made under the earlier one, and "sign out all sessions" (CSRF-protected)
 * deletes every operator's session and ends their open event streams. Partner sessions and other tenants' keys (a
 * key prefix holding glob characters included) are left alone.
 */
import { parseConfig } from '@syndicate/config';
import { cleanRedis, isolation, testLogger, testRedis } from '@syndicate/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiService } from '../api-service.js';
import { ApiConfig } from '../config.js';
import { ConsoleSessions, sessionFingerprint } from './sessions.js';

const iso = isolation();
const redis = testRedis();
const started: ApiService[] = [];

afterAll(async () => {
  await Promise.allSettled(started.map((api) => api.stop()));
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

/** Every key under a prefix (the test's own SCAN, apart from the code under test). */
async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1_000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

describe('ConsoleSessions on Redis', () => {
  it('revokes the sessions of another fingerprint over several SCAN batches, then all, and nothing else', async () => {
    const prefix = `${iso.redisKeyPrefix}store:`;
    const before = new ConsoleSessions(redis, prefix, 600, sessionFingerprint('the old signing key'));
    const now = new ConsoleSessions(redis, prefix, 600, sessionFingerprint('the new signing key'));
    // More than one SCAN batch (500) of old sessions, and one key from before fingerprints were in the key.
    const old = await Promise.all(Array.from({ length: 1_200 }, () => before.create()));
    await redis.set(`${prefix}console:session:legacy-id`, '{}', 'EX', 600);
    const current = await Promise.all(Array.from({ length: 3 }, () => now.create()));
    await redis.set(`${prefix}console:partner-session:p1`, '{}', 'EX', 600);

    // A session is found only under the fingerprint it was made with.
    expect(await now.get(old[0]?.id ?? '')).toBeNull();
    expect(await before.get(old[0]?.id ?? '')).not.toBeNull();

    expect(await now.revokeStale()).toBe(1_201);
    expect(await before.get(old[0]?.id ?? '')).toBeNull();
    for (const { id, session } of current) expect(await now.get(id)).toEqual(session);
    expect((await keysUnder(`${prefix}console:session:`)).length).toBe(3);
    expect(await now.revokeStale()).toBe(0); // nothing left to do: a second start-up deletes nothing

    expect(await now.revokeAll()).toBe(3);
    expect(await keysUnder(`${prefix}console:session:`)).toEqual([]);
    expect(await redis.exists(`${prefix}console:partner-session:p1`)).toBe(1);
  });

  it("takes a key prefix's glob characters literally: another tenant's sessions stay", async () => {
    const globby = new ConsoleSessions(redis, `${iso.redisKeyPrefix}a*:`, 600, sessionFingerprint('k'));
    const neighbour = new ConsoleSessions(redis, `${iso.redisKeyPrefix}abc:`, 600, sessionFingerprint('k'));
    await globby.create();
    const kept = await neighbour.create();
    expect(await globby.revokeAll()).toBe(1);
    expect(await neighbour.get(kept.id)).toEqual(kept.session);
  });
});

describe('the console', () => {
  const start = async (token: string) => {
    const api = new ApiService(
      parseConfig(ApiConfig, { ...iso.env, PORT: '0', SYNDICATE_ADMIN_TOKEN: token, RATE_LIMIT_PUBLIC: '100000' }),
      testLogger('api'),
    );
    await api.start();
    started.push(api);
    return api;
  };
  const sessionKeys = () => keysUnder(`${iso.redisKeyPrefix}console:session:`);
  /** Signs in with the token; the session cookie as a `cookie` header, and the CSRF token its pages carry. */
  const signIn = async (api: ApiService, token: string) => {
    const answer = await fetch(`${api.url}/console/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
      redirect: 'manual',
    });
    expect(answer.status).toBe(303);
    const cookie = (answer.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const page = await (await fetch(`${api.url}/console`, { headers: { cookie } })).text();
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(csrf).not.toBe('');
    return { cookie, csrf };
  };
  const overview = (api: ApiService, cookie: string) => fetch(`${api.url}/console/api/overview`, { headers: { cookie } });

  it('deletes the sessions of an earlier admin token when an API starts with a new one', async () => {
    const first = await start('the-first-admin-token-0001');
    const { cookie } = await signIn(first, 'the-first-admin-token-0001');
    expect(await sessionKeys()).toHaveLength(1);
    await first.stop();

    const second = await start('the-second-admin-token-0002');
    // Gone from Redis by the time the API listens, not left to expire.
    expect(await sessionKeys()).toEqual([]);
    expect((await overview(second, cookie)).status).toBe(401);
    await signIn(second, 'the-second-admin-token-0002');
    expect(await sessionKeys()).toHaveLength(1);
  });

  it('signs out every session with the CSRF token only, ending their open event streams', async () => {
    const token = 'the-second-admin-token-0002';
    const api = await start(token);
    const mine = await signIn(api, token);
    const theirs = await signIn(api, token);
    const before = (await sessionKeys()).length;
    expect(before).toBeGreaterThanOrEqual(2);

    const stream = await fetch(`${api.url}/console/events`, { headers: { cookie: theirs.cookie } });
    expect(stream.status).toBe(200);
    const ended = (async () => {
      const reader = stream.body?.getReader();
      while (reader && !(await reader.read()).done) {}
      return true;
    })();

    const signOutAll = (headers: Record<string, string>) =>
      fetch(`${api.url}/console/sign-out-all`, { method: 'POST', headers: { cookie: mine.cookie, ...headers }, redirect: 'manual' });
    expect((await signOutAll({})).status).toBe(403);
    expect((await signOutAll({ 'x-csrf-token': theirs.csrf })).status).toBe(403); // another session's token
    expect(await sessionKeys()).toHaveLength(before);

    const answer = await signOutAll({ 'x-csrf-token': mine.csrf });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/console/sign-in');
    expect(await sessionKeys()).toEqual([]);
    expect((await overview(api, mine.cookie)).status).toBe(401);
    expect((await overview(api, theirs.cookie)).status).toBe(401);
    // The other session's stream ends at its next session check (every 5 s): waited for with a 10 s budget.
    const budget = new Promise<false>((resolve) => setTimeout(() => resolve(false), 10_000).unref());
    expect(await Promise.race([ended, budget])).toBe(true);
  });
});
