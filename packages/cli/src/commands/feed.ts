import { EnrichedRecord } from '@syndicate/contracts';
import { renderRss } from '@syndicate/feeds';
import { z } from 'zod';
import { stdinLines, UsageError } from '../io.js';

const RENDERERS = { rss: renderRss } as const;

/** `syndicate feed render --format rss`: enriched records on stdin (one JSON per line), the feed on stdout. */
export async function renderFeed(format: string, siteUrl: string): Promise<void> {
  if (!(format in RENDERERS))
    throw new UsageError(`--format ${format} is not supported yet; supported: ${Object.keys(RENDERERS).join(', ')}`);
  const items = [];
  for await (const { line, number } of stdinLines()) {
    let parsed: EnrichedRecord;
    try {
      parsed = EnrichedRecord.parse(JSON.parse(line));
    } catch (error) {
      throw new UsageError(`stdin line ${number}: ${error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message}`);
    }
    if (parsed.type !== 'article.withdrawn') items.push(parsed);
  }
  // Newest first, like the feed server.
  items.sort((a, b) => Date.parse(b.article.publishedAt) - Date.parse(a.article.publishedAt));
  const render = RENDERERS[format as keyof typeof RENDERERS];
  process.stdout.write(`${render({ title: 'Syndicate', selfUrl: `${siteUrl}/feeds/all.${format}`, siteUrl }, items)}\n`);
}
