import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';
import type { RenderedFeed } from '@syndicate/feeds';
import type { Redis } from '@syndicate/redis-runtime';

/** The channel on which feed changes are announced; every API instance drops its cached copies. */
export const feedChangesChannel = (keyPrefix: string) => `${keyPrefix}feeds:changed`;

/** Tells every feed server that these feeds changed (fire and forget: caches also expire on their own). */
export async function announceFeedChanges(redis: Redis, keyPrefix: string, slugs: string[]): Promise<void> {
  if (slugs.length > 0) await redis.publish(feedChangesChannel(keyPrefix), JSON.stringify(slugs));
}

export interface CachedFeed extends RenderedFeed {
  /** Strong validator of the identity encoding; encoded variants append -gzip / -br. */
  etag: string;
  /** Last-Modified as the header wants it, formatted once. */
  lastModifiedHttp: string;
  cachedAt: number;
  /** Where it is kept in the cache. */
  key: string;
  gzip?: Buffer;
  br?: Buffer;
  /** Compressions under way, so that one document is compressed once however many ask at the same time. */
  compressing?: Partial<Record<'br' | 'gzip', Promise<Buffer>>>;
}

export interface FeedCacheOptions {
  /** Documents kept at most. */
  maxEntries?: number;
  /** Bytes kept at most: documents and their compressed copies. */
  maxBytes?: number;
  /** No document is served from memory for longer than this, announced change or not. */
  maxAgeMs?: number;
}

/**
 * Rendered feed documents in memory, so a poll costs a map lookup. Entries are dropped when a change to
 * their feed is announced on Redis pub/sub, everything is dropped when the subscription reconnects (changes
 * may have been missed), and nothing is served fresh for longer than `maxAgeMs` in any case (older copies are kept
 * for `stale`). Bounded in entries and in bytes (compressed copies count): the oldest entries go first.
 */
export class FeedCache {
  private readonly entries = new Map<string, CachedFeed>();
  private readonly generations = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private bytes = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    options: FeedCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 2_000;
    this.maxBytes = options.maxBytes ?? 64 * 1_048_576;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
  }

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      try {
        for (const slug of JSON.parse(message) as string[]) this.invalidate(slug);
      } catch {
        this.clear();
      }
    });
    this.subscriber.on('ready', () => this.clear());
    await this.subscriber.subscribe(this.channel);
  }

  async stop(): Promise<void> {
    this.subscriber.disconnect();
  }

  static key(slug: string, format: string, olderThan?: number): string {
    return `${slug}\n${format}\n${olderThan ?? ''}`;
  }

  /** Bytes held now (documents and compressed copies). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  /** A document rendered less than `maxAgeMs` ago, and not changed since as far as announcements tell. */
  get(key: string): CachedFeed | undefined {
    const entry = this.entries.get(key);
    // An old entry stays (until replaced, invalidated or pushed out by the bounds): see `stale`.
    if (entry && Date.now() - entry.cachedAt > this.maxAgeMs) return undefined;
    return entry;
  }

  /**
   * Whatever copy of the document is held, however old: what a feed server serves, marked stale, while the
   * store is away and nothing fresh can be rendered (stale is better than nothing).
   */
  stale(key: string): CachedFeed | undefined {
    return this.entries.get(key);
  }

  /** A token to pass to `set`: if the feed changes while rendering, the stale render is not cached. */
  generation(slug: string): number {
    return this.generations.get(slug) ?? 0;
  }

  set(key: string, slug: string, generation: number, rendered: RenderedFeed): CachedFeed {
    const entry: CachedFeed = {
      ...rendered,
      etag: `"${createHash('sha256').update(rendered.body).digest('base64url').slice(0, 27)}"`,
      lastModifiedHttp: rendered.lastModified.toUTCString(),
      cachedAt: Date.now(),
      key,
    };
    if (generation === this.generation(slug)) {
      this.delete(key);
      this.entries.set(key, entry);
      this.grow(rendered.body.length);
    }
    return entry;
  }

  /**
   * The encoded bytes of an entry: compressed once, on the thread pool rather than the event loop, and kept
   * with the entry (and counted against the cache's bytes).
   */
  encoded(entry: CachedFeed, encoding: 'br' | 'gzip'): Buffer | Promise<Buffer> {
    const done = entry[encoding];
    if (done) return done;
    entry.compressing ??= {};
    let pending = entry.compressing[encoding];
    if (!pending) {
      pending = compress(entry.body, encoding).then((bytes) => {
        entry[encoding] = bytes;
        delete entry.compressing?.[encoding];
        if (this.entries.get(entry.key) === entry) this.grow(bytes.length); // else it left the cache meanwhile
        return bytes;
      });
      entry.compressing[encoding] = pending;
    }
    return pending;
  }

  invalidate(slug: string): void {
    this.generations.set(slug, this.generation(slug) + 1);
    for (const key of this.entries.keys()) if (key.startsWith(`${slug}\n`)) this.delete(key);
  }

  clear(): void {
    for (const slug of new Set([...this.entries.keys()].map((k) => k.split('\n')[0] as string))) this.invalidate(slug);
    this.entries.clear();
    this.bytes = 0;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entryBytes(entry);
  }

  /** Accounts for `added` bytes, then drops the oldest entries until both bounds hold again. */
  private grow(added: number): void {
    this.bytes += added;
    while ((this.bytes > this.maxBytes || this.entries.size > this.maxEntries) && this.entries.size > 0) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }
}

const entryBytes = (entry: CachedFeed) => entry.body.length + (entry.gzip?.length ?? 0) + (entry.br?.length ?? 0);

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

function compress(body: Buffer, encoding: 'br' | 'gzip'): Promise<Buffer> {
  return encoding === 'br' ? brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } }) : gzipAsync(body);
}
