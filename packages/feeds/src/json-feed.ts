import { type FeedDocument, rfc3339 } from './document.js';
import { encodeParts } from './document-bytes.js';
import { paragraphsToHtml } from './xml-text.js';

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1): authors, language and tags per item, the WebSub hub,
 * and `next_url` to the page of older items. Withdrawn articles are simply absent (the format has no
 * tombstones).
 *
 * The document is assembled from parts: the feed's and each item's small fields by JSON.stringify, each
 * body written in as a JSON string of its own (see pushJsonString), all encoded once into bytes.
 */
export function renderJsonFeed(doc: FeedDocument): Buffer {
  const head = {
    version: 'https://jsonfeed.org/version/1.1',
    title: doc.title,
    home_page_url: doc.links.alternate,
    feed_url: doc.links.self,
    description: doc.description,
    next_url: doc.links.prevArchive,
    hubs: doc.links.hub ? [{ type: 'WebSub', url: doc.links.hub }] : undefined,
  };
  // Both objects always have their first field, so "everything but the closing brace" ends in a value.
  const parts = [openObject(head), ',"items":['];
  for (const { article, enrichment, bodyHtml } of doc.items) {
    // Every item has the same fields in the same order, absent ones undefined (JSON.stringify leaves them
    // out): objects of one shape take V8's fast path, objects built from optional spreads did not.
    const item = {
      id: doc.entryId(article.id),
      url: article.url,
      title: article.headline,
      summary: article.standfirst ?? enrichment.summary,
      date_published: rfc3339(article.publishedAt),
      date_modified: rfc3339(article.updatedAt ?? article.publishedAt),
      authors: article.authors.length > 0 ? article.authors.map((a) => ({ name: a.name, url: a.url })) : undefined,
      tags: [...new Set([...article.categories, ...article.tags, ...enrichment.topics.map((t) => t.label)])],
      language: article.language,
      image: article.images.find((i) => i.url)?.url,
    };
    parts.push(parts.length > 2 ? ',' : '', openObject(item), ',"content_html":');
    pushJsonString(parts, bodyHtml ?? paragraphsToHtml(article.body));
    parts.push('}');
  }
  parts.push(']}');
  return encodeParts(parts);
}

const openObject = (value: object) => withoutLineSeparators(JSON.stringify(value).slice(0, -1));

/**
 * Appends a body as a JSON string. Bodies are paragraphsToHtml output (the XML renderers rely on that too):
 * quotes are entities and control characters are gone but for the line feeds between paragraphs, which
 * one native replace escapes. JSON.stringify walks every character and costs several times that on half a
 * megabyte of bodies, as does one regular expression over them; a few native searches do not. A body with
 * anything else to escape takes JSON.stringify.
 */
function pushJsonString(parts: string[], html: string): void {
  if (['"', '\\', '\t', '\r', '\u2028', '\u2029'].some((c) => html.includes(c))) {
    parts.push(withoutLineSeparators(JSON.stringify(html)));
    return;
  }
  parts.push(`"${html.replaceAll('\n', '\\n')}"`);
}

/** U+2028/9 are valid JSON but break some JavaScript consumers. (Looked for first: a scan is cheap.) */
const withoutLineSeparators = (json: string) =>
  json.includes('\u2028') || json.includes('\u2029') ? json.replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029') : json;
