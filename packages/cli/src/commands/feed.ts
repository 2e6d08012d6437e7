import { EnrichedRecord } from '@syndicate/contracts';
import { FEED_FORMATS, isFeedFormat, tagIds } from '@syndicate/feeds';
import { z } from 'zod';
import { stdinLines, UsageError } from '../io.js';

/**
 * `syndicate feed render --format rss|atom|json`: enriched records on stdin (one JSON per line), the feed
 * document on stdout, from the same renderers the feed server uses. Withdrawn records become Atom tombstones.
 */
export async function renderFeed(format: string, siteUrl: string): Promise<void> {
  if (!isFeedFormat(format)) throw new UsageError(`--format must be one of ${Object.keys(FEED_FORMATS).join(', ')}; got ${format}`);
  const latest = new Map<string, EnrichedRecord>();
  for await (const { line, number } of stdinLines()) {
    let parsed: EnrichedRecord;
    try {
      parsed = EnrichedRecord.parse(JSON.parse(line));
    } catch (error) {
      throw new UsageError(`stdin line ${number}: ${error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message}`);
    }
    // Like the feed store: the newest version of each article wins.
    const id = parsed.type === 'article.withdrawn' ? parsed.id : parsed.article.id;
    const version = parsed.type === 'article.withdrawn' ? parsed.version : parsed.article.version;
    const seen = latest.get(id);
    const seenVersion = seen && (seen.type === 'article.withdrawn' ? seen.version : seen.article.version);
    if (seenVersion === undefined || version > seenVersion) latest.set(id, parsed);
  }
  const records = [...latest.values()];
  const items = records
    .flatMap((r) => (r.type === 'article.withdrawn' ? [] : [r]))
    .sort((a, b) => Date.parse(b.article.publishedAt) - Date.parse(a.article.publishedAt));
  const tombstones = records.flatMap((r) => (r.type === 'article.withdrawn' ? [{ id: r.id, withdrawnAt: r.withdrawnAt }] : []));
  const ids = tagIds(new URL(siteUrl).hostname, '2026');
  const body = FEED_FORMATS[format].render({
    id: ids.feed('all'),
    title: 'Syndicate',
    description: 'Syndicate: all articles',
    links: { self: `${siteUrl}/feeds/all.${format}`, alternate: siteUrl, hub: `${siteUrl}/websub` },
    archive: false,
    items,
    tombstones,
    entryId: ids.entry,
  });
  process.stdout.write(Buffer.concat([body, Buffer.from('\n')]));
}
