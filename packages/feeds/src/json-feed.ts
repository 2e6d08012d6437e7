import type { FeedDocument } from './document.js';
import { paragraphsToHtml } from './xml-text.js';

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1): authors, language and tags per item, the WebSub hub,
 * and `next_url` to the page of older items. Withdrawn articles are simply absent (the format has no
 * tombstones).
 */
export function renderJsonFeed(doc: FeedDocument): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: doc.title,
    home_page_url: doc.links.alternate,
    feed_url: doc.links.self,
    description: doc.description,
    ...(doc.links.prevArchive ? { next_url: doc.links.prevArchive } : {}),
    ...(doc.links.hub ? { hubs: [{ type: 'WebSub', url: doc.links.hub }] } : {}),
    // Every item has the same fields in the same order, absent ones undefined (JSON.stringify leaves them
    // out): objects of one shape take V8's fast path, objects built from optional spreads did not.
    items: doc.items.map(({ article, enrichment, bodyHtml }) => ({
      id: doc.entryId(article.id),
      url: article.url,
      title: article.headline,
      content_html: bodyHtml ?? paragraphsToHtml(article.body),
      summary: article.standfirst ?? enrichment.summary,
      date_published: new Date(article.publishedAt).toISOString(),
      date_modified: new Date(article.updatedAt ?? article.publishedAt).toISOString(),
      authors: article.authors.length > 0 ? article.authors.map((a) => ({ name: a.name, url: a.url })) : undefined,
      tags: [...new Set([...article.categories, ...article.tags, ...enrichment.topics.map((t) => t.label)])],
      language: article.language,
      image: article.images.find((i) => i.url)?.url,
    })),
  };
  // JSON escapes what it must; U+2028/9 are valid JSON but break some JavaScript consumers. (Looked for
  // before replacing: a scan is much cheaper than two regular-expression passes over half a megabyte.)
  const json = JSON.stringify(feed);
  return json.includes('\u2028') || json.includes('\u2029') ? json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') : json;
}
