import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { luaScript, type Redis } from '@syndicate/redis-runtime';

const RELEASE = luaScript<number>('@syndicate/fanout/lua/article-lock-release.lua');

/**
 * One article at a time across every fanout instance: the consumer handling an event and the worker
 * releasing an embargo never interleave for the same article, so a kill and a release cannot cross. A lock
 * expires after `ttlMs` in case its holder dies.
 */
export class ArticleLocks {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlMs = 30_000,
  ) {}

  async with<T>(articleId: string, work: () => Promise<T>): Promise<T> {
    const key = `${this.keyPrefix}fanout:lock:${articleId}`;
    const token = randomUUID();
    for (let wait = 5; (await this.redis.set(key, token, 'PX', this.ttlMs, 'NX')) !== 'OK'; wait = Math.min(wait * 2, 200))
      await sleep(wait);
    try {
      return await work();
    } finally {
      await RELEASE.run(this.redis, [key], [token]);
    }
  }
}
