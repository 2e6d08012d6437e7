import type { Redis } from 'ioredis';

/**
 * Assigns the next version of an article, or accepts the caller's if it is newer than any seen. Returns
 * [version, previous] where previous is 0 for a new article; a version not newer than the last is refused
 * with [-1, last].
 */
const NEXT_VERSION = `
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if wanted == 0 then wanted = last + 1 elseif wanted <= last then return {-1, last} end
redis.call('SET', KEYS[1], wanted)
return {wanted, last}
`;

export class StaleVersionError extends Error {
  constructor(
    readonly requested: number,
    readonly latest: number,
  ) {
    super(`version ${requested} is not newer than the latest version ${latest}`);
  }
}

/** Per-article version counters in Redis, so versions stay monotonic across API replicas. */
export class ArticleVersions {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key = (id: string) => `${this.keyPrefix}articles:version:${id}`;

  /** `requested` undefined: the next version. */
  async next(id: string, requested?: number): Promise<{ version: number; isNew: boolean }> {
    const [version, previous] = (await this.redis.eval(NEXT_VERSION, 1, this.key(id), requested ?? 0)) as [number, number];
    if (version === -1) throw new StaleVersionError(requested ?? 0, previous);
    return { version, isNew: previous === 0 };
  }

  async latest(id: string): Promise<number> {
    return Number((await this.redis.get(this.key(id))) ?? 0);
  }
}
