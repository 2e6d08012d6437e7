import { type FeedDocument, lastUpdated, topicUri } from './document.js';
import { atomLink, Bodies, buildXml, escapeXml, paragraphsToHtml, XML_DECLARATION } from './xml-text.js';

/**
 * RSS 2.0 with content:encoded (full text), dc:creator (bylines), Media RSS (pictures with captions and
 * credits), IPTC categories, and atom:link for self, hub and RFC 5005 archives. Every namespace used is
 * declared; guids are the tag: entry ids, never permalinks.
 */
export function renderRss(doc: FeedDocument): Buffer {
  const bodies = new Bodies();
  const document = {
    '?xml': XML_DECLARATION,
    rss: {
      $: {
        version: '2.0',
        'xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
        'xmlns:dc': 'http://purl.org/dc/elements/1.1/',
        'xmlns:atom': 'http://www.w3.org/2005/Atom',
        'xmlns:media': 'http://search.yahoo.com/mrss/',
        'xmlns:fh': 'http://purl.org/syndication/history/1.0',
      },
      channel: {
        title: escapeXml(doc.title),
        link: escapeXml(doc.links.alternate),
        description: escapeXml(doc.description),
        'atom:link': [
          atomLink(doc.links.self, 'self', 'application/rss+xml'),
          atomLink(doc.links.hub, 'hub'),
          atomLink(doc.links.prevArchive, 'prev-archive'),
          atomLink(doc.links.current, 'current'),
        ].filter(Boolean),
        ...(doc.archive ? { 'fh:archive': '' } : {}),
        lastBuildDate: lastUpdated(doc).toUTCString(),
        generator: 'Syndicate',
        item: doc.items.map(({ article, enrichment, bodyHtml }) => ({
          // Absent fields are undefined, which the builder leaves out: every item object has one shape.
          title: escapeXml(article.headline),
          link: article.url ? escapeXml(article.url) : undefined,
          guid: { '#text': escapeXml(doc.entryId(article.id)), $: { isPermaLink: 'false' } },
          pubDate: new Date(article.publishedAt).toUTCString(),
          description: escapeXml(article.standfirst ?? enrichment.summary),
          'content:encoded': { __cdata: bodies.add(bodyHtml ?? paragraphsToHtml(article.body)) },
          'dc:creator': article.authors.map((a) => escapeXml(a.name)),
          category: [
            ...article.categories.map((c) => escapeXml(c)),
            ...enrichment.topics.map((t) => ({ '#text': escapeXml(t.label), $: { domain: topicUri(t.id) } })),
          ],
          'media:content': article.images.flatMap((image) =>
            image.url
              ? [
                  {
                    $: { url: escapeXml(image.url), medium: 'image' },
                    'media:description': escapeXml(image.caption),
                    'media:credit': image.credit ? escapeXml(image.credit) : undefined,
                  },
                ]
              : [],
          ),
          'media:thumbnail': article.images[0]?.url ? { $: { url: escapeXml(article.images[0].url) } } : undefined,
        })),
      },
    },
  };
  // An empty element such as <fh:archive/> must survive suppressEmptyNode.
  return buildXml(document, bodies);
}
