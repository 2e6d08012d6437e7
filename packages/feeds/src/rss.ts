import type { EnrichedArticle } from '@syndicate/contracts';
import { XMLBuilder } from 'fast-xml-parser';
import { paragraphsToHtml, xmlSafe } from './xml-text.js';

export interface FeedMeta {
  /** e.g. "Syndicate: all articles" */
  title: string;
  /** The feed's own URL (rel=self). */
  selfUrl: string;
  /** The site the feed stands for. */
  siteUrl: string;
  description?: string;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });

const IPTC_SCHEME = 'http://cv.iptc.org/newscodes/mediatopic/';

/** A link for an article that has no canonical URL of its own. */
export const articleLink = (meta: FeedMeta, id: string) => `${meta.siteUrl.replace(/\/$/, '')}/articles/${encodeURIComponent(id)}`;

/** RSS 2.0 with the content, Dublin Core and Atom namespaces; the guid is the article id, never a URL. */
export function renderRss(meta: FeedMeta, items: EnrichedArticle[], now = new Date()): string {
  const newest = items.reduce((max, { article }) => Math.max(max, Date.parse(article.updatedAt ?? article.publishedAt)), 0);
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    rss: {
      '@_version': '2.0',
      '@_xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
      '@_xmlns:dc': 'http://purl.org/dc/elements/1.1/',
      '@_xmlns:atom': 'http://www.w3.org/2005/Atom',
      channel: {
        title: xmlSafe(meta.title),
        link: meta.siteUrl,
        description: xmlSafe(meta.description ?? meta.title),
        'atom:link': { '@_href': meta.selfUrl, '@_rel': 'self', '@_type': 'application/rss+xml' },
        lastBuildDate: new Date(newest || now.getTime()).toUTCString(),
        generator: 'Syndicate',
        item: items.map(({ article, enrichment }) => ({
          title: xmlSafe(article.headline),
          link: article.url ?? articleLink(meta, article.id),
          guid: { '#text': `urn:syndicate:article:${article.id}`, '@_isPermaLink': 'false' },
          pubDate: new Date(article.publishedAt).toUTCString(),
          description: xmlSafe(article.standfirst ?? enrichment.summary),
          'content:encoded': paragraphsToHtml(article.body),
          'dc:creator': article.authors.map((a) => xmlSafe(a.name)),
          category: [
            ...article.categories.map((c) => xmlSafe(c)),
            ...enrichment.topics.map((t) => ({ '#text': xmlSafe(t.label), '@_domain': `${IPTC_SCHEME}${t.id.slice('medtop:'.length)}` })),
          ],
        })),
      },
    },
  };
  return builder.build(document) as string;
}
