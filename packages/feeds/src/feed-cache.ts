import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { RenderedFeed } from './feed-documents.js';

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
  gzip?: Buffer;
  br?: Buffer;
}

/**
 * Rendered feed documents in memory, so a poll costs a map lookup. Entries are dropped when a change to
 * their feed is announced on Redis pub/sub, everything is dropped when the subscription reconnects (changes
 * may have been missed), and nothing lives longer than `maxAgeMs` in any case.
 */
export class FeedCache {
  private readonly entries = new Map<string, CachedFeed>();
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly maxEntries = 2_000,
    private readonly maxAgeMs = 60_000,
  ) {}

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

  get(key: string): CachedFeed | undefined {
    const entry = this.entries.get(key);
    if (entry && Date.now() - entry.cachedAt > this.maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
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
    };
    if (generation === this.generation(slug)) {
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.set(key, entry);
    }
    return entry;
  }

  invalidate(slug: string): void {
    this.generations.set(slug, this.generation(slug) + 1);
    for (const key of this.entries.keys()) if (key.startsWith(`${slug}\n`)) this.entries.delete(key);
  }

  clear(): void {
    for (const slug of new Set([...this.entries.keys()].map((k) => k.split('\n')[0] as string))) this.invalidate(slug);
    this.entries.clear();
  }
}

/** The encoded bytes of an entry, compressed once and kept with it. */
export function encodedBody(entry: CachedFeed, encoding: 'br' | 'gzip'): Buffer {
  if (encoding === 'br') {
    entry.br ??= brotliCompressSync(entry.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } });
    return entry.br;
  }
  entry.gzip ??= gzipSync(entry.body);
  return entry.gzip;
}
