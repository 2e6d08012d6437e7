import { gunzipSync } from 'node:zlib';
import type { Redis } from '@syndicate/redis-runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FeedCache } from './feed-cache.js';

const rendered = (size: number, fill = 'a') => ({
  body: Buffer.from(fill.repeat(size)),
  contentType: 'application/rss+xml; charset=utf-8',
  lastModified: new Date('2026-01-01T00:00:00Z'),
});
// The pub/sub connection is used only by start(); these tests never call it.
const cache = (options: ConstructorParameters<typeof FeedCache>[2]) => new FeedCache({} as Redis, 'changes', options);

describe('FeedCache', () => {
  it('stays within its byte bound, dropping the oldest documents first', () => {
    const feeds = cache({ maxBytes: 10_000, maxEntries: 1_000 });
    for (let n = 0; n < 30; n++) feeds.set(FeedCache.key('all', 'rss', n), 'all', 0, rendered(1_000));
    expect(feeds.size.bytes).toBeLessThanOrEqual(10_000);
    expect(feeds.size.entries).toBe(10);
    expect(feeds.get(FeedCache.key('all', 'rss', 0))).toBeUndefined();
    expect(feeds.get(FeedCache.key('all', 'rss', 29))).toBeDefined();
  });

  it('counts compressed copies against the bound and compresses a document once, off the event loop', async () => {
    const feeds = cache({ maxBytes: 1_000_000 });
    const entry = feeds.set(FeedCache.key('all', 'rss'), 'all', 0, rendered(50_000, 'news '));
    const first = feeds.encoded(entry, 'gzip');
    const second = feeds.encoded(entry, 'gzip');
    expect(first).toBeInstanceOf(Promise); // not compressed synchronously on the request's turn
    expect(second).toBe(first); // one compression for both requests
    const bytes = await first;
    expect(gunzipSync(bytes).equals(entry.body)).toBe(true);
    expect(feeds.encoded(entry, 'gzip')).toBe(bytes); // kept: later requests get the bytes at once
    expect(feeds.size.bytes).toBe(entry.body.length + bytes.length);
  });

  it('forgets the bytes of what it drops, compressed copies included', async () => {
    const feeds = cache({});
    const entry = feeds.set(FeedCache.key('world', 'atom'), 'world', 0, rendered(10_000));
    await feeds.encoded(entry, 'br');
    feeds.invalidate('world');
    expect(feeds.size).toEqual({ entries: 0, bytes: 0 });
  });
});

describe('FeedCache, stale copies', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a document past maxAgeMs for stale(), never for get(), and drops it on invalidation', () => {
    vi.useFakeTimers({ toFake: ['Date'] }); // the age is read from Date.now(): moved by hand, to the millisecond
    const feeds = cache({ maxAgeMs: 20 });
    const key = FeedCache.key('world', 'rss');
    const entry = feeds.set(key, 'world', 0, rendered(100));
    vi.advanceTimersByTime(20);
    expect(feeds.get(key)).toBe(entry); // maxAgeMs old: still fresh
    vi.advanceTimersByTime(1);
    expect(feeds.get(key)).toBeUndefined(); // too old to serve as fresh
    expect(feeds.stale(key)).toBe(entry); // still there for when nothing fresh can be made
    feeds.invalidate('world');
    expect(feeds.stale(key)).toBeUndefined();
  });
});
