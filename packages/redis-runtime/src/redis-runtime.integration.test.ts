import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { connectRedis } from './connection.js';
import { LuaScript } from './lua.js';
import { bullPrefix, openQueue, Queues } from './queues.js';

// Not @syndicate/test-support: it builds on this package, so importing it back would make a dependency cycle.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const iso = { redisKeyPrefix: `test:t${Date.now().toString(36)}${randomBytes(3).toString('hex')}:` };
const redis = connectRedis(REDIS_URL);
const connection = { connection: redis, keyPrefix: iso.redisKeyPrefix };

afterAll(async () => {
  // This run's keys only: Redis is shared with other runs.
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${iso.redisKeyPrefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
});

describe('LuaScript.run', () => {
  const swap = new LuaScript<string | null>(
    'test:swap',
    "-- KEYS: from to\n-- ARGV: none\nlocal v = redis.call('GET', KEYS[1])\nif v then redis.call('SET', KEYS[2], v) end\nreturn v",
  );

  it('runs with the keys given, loading the script into Redis the first time and naming it by its digest after', async () => {
    const from = `${iso.redisKeyPrefix}{swap}:from`;
    const to = `${iso.redisKeyPrefix}{swap}:to`;
    await redis.set(from, 'x');
    expect(await swap.run(redis, [from, to])).toBe('x');
    expect(await redis.get(to)).toBe('x');
    expect(await redis.script('EXISTS', swap.sha)).toEqual([1]);
    const evalCalls = vi.spyOn(redis, 'eval');
    expect(await swap.run(redis, [from, to])).toBe('x');
    expect(evalCalls).not.toHaveBeenCalled();
    evalCalls.mockRestore();
  });

  it('runs on an auto-pipelining connection, several in one tick', async () => {
    const pipelined = connectRedis(REDIS_URL, { enableAutoPipelining: true });
    try {
      const keys = (n: number) => [`${iso.redisKeyPrefix}{auto}:${n}`, `${iso.redisKeyPrefix}{auto}:${n}:copy`];
      await Promise.all([1, 2, 3].map((n) => pipelined.set(keys(n)[0] as string, String(n))));
      expect(await Promise.all([1, 2, 3].map((n) => swap.run(pipelined, keys(n))))).toEqual(['1', '2', '3']);
    } finally {
      pipelined.disconnect();
    }
  });

  it('sends nothing when the keys are in different slots', async () => {
    await expect(swap.run(redis, [`${iso.redisKeyPrefix}a`, `${iso.redisKeyPrefix}b`])).rejects.toThrow(/different hash slots/);
  });
});

describe('queues', () => {
  it('keeps every queue under the deployment’s prefix', async () => {
    const queue = openQueue('probe', connection);
    await queue.add('x', { n: 1 });
    expect(await redis.exists(`${bullPrefix(iso.redisKeyPrefix)}:probe:meta`)).toBe(1);
    await queue.close();
  });

  it('Queues makes a queue once per name and closes them all', async () => {
    const queues = new Queues(connection);
    expect(queues.has('a')).toBe(false);
    const a = queues.get('a');
    expect(queues.get('a')).toBe(a);
    expect(queues.has('a')).toBe(true);
    await queues.close();
    expect(queues.has('a')).toBe(false);
    await queues.close(); // idempotent
  });
});
