import { renderAtom } from './atom.js';
import type { FeedDocument } from './document.js';
import { renderJsonFeed } from './json-feed.js';
import { renderRss } from './rss.js';

export const FEED_FORMATS = {
  rss: { contentType: 'application/rss+xml; charset=utf-8', render: renderRss },
  atom: { contentType: 'application/atom+xml; charset=utf-8', render: renderAtom },
  json: { contentType: 'application/feed+json; charset=utf-8', render: renderJsonFeed },
} as const satisfies Record<string, { contentType: string; render: (doc: FeedDocument) => Buffer }>;

export type FeedFormat = keyof typeof FEED_FORMATS;

export const isFeedFormat = (value: string): value is FeedFormat => Object.hasOwn(FEED_FORMATS, value);

/**
 * Renders at most `maxBytes`: while the document is too large, the oldest items are left out and
 * `olderPageUrl` (given the publication time of the oldest kept item) becomes its prev-archive link.
 */
export function renderBounded(
  format: FeedFormat,
  doc: FeedDocument,
  maxBytes: number,
  olderPageUrl: (olderThanMs: number) => string,
): { body: Buffer; items: number } {
  const render = FEED_FORMATS[format].render;
  let body = render(doc);
  let kept = doc.items.length;
  while (body.length > maxBytes && kept > 1) {
    kept = Math.max(1, Math.floor(kept * 0.75));
    const items = doc.items.slice(0, kept);
    const oldest = items[items.length - 1]?.article.publishedAt;
    body = render({
      ...doc,
      items,
      links: { ...doc.links, prevArchive: oldest ? olderPageUrl(Date.parse(oldest)) : doc.links.prevArchive },
    });
  }
  return { body, items: kept };
}
