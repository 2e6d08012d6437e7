import { type FeedDocument, IPTC_SCHEME, lastUpdated, rfc3339, topicUri } from './document.js';
import { atomLink, Bodies, buildXml, escapeXml, paragraphsToHtml, XML_DECLARATION } from './xml-text.js';

/**
 * Atom 1.0 (RFC 4287): tag: ids, `updated` per entry (a correction moves it), self/alternate/hub links,
 * authors, categories with the IPTC scheme, RFC 6721 `at:deleted-entry` tombstones for withdrawn articles,
 * and RFC 5005 archive links.
 */
export function renderAtom(doc: FeedDocument): Buffer {
  const bodies = new Bodies();
  const document = {
    '?xml': XML_DECLARATION,
    feed: {
      $: {
        xmlns: 'http://www.w3.org/2005/Atom',
        'xmlns:at': 'http://purl.org/atompub/tombstones/1.0',
        'xmlns:fh': 'http://purl.org/syndication/history/1.0',
      },
      id: escapeXml(doc.id),
      title: { '#text': escapeXml(doc.title), $: { type: 'text' } },
      subtitle: { '#text': escapeXml(doc.description), $: { type: 'text' } },
      updated: lastUpdated(doc).toISOString(),
      // A feed-level author makes every entry valid even when the article has no byline.
      author: { name: 'Syndicate' },
      link: [
        atomLink(doc.links.self, 'self', 'application/atom+xml'),
        atomLink(doc.links.alternate, 'alternate', 'text/html'),
        atomLink(doc.links.hub, 'hub'),
        atomLink(doc.links.prevArchive, 'prev-archive'),
        atomLink(doc.links.current, 'current'),
      ].filter(Boolean),
      ...(doc.archive ? { 'fh:archive': '' } : {}),
      generator: 'Syndicate',
      entry: doc.items.map(({ article, enrichment, bodyHtml }) => ({
        id: escapeXml(doc.entryId(article.id)),
        // type="text" is Atom's default (RFC 4287 §3.1.1), so entries leave it out.
        title: escapeXml(article.headline),
        updated: rfc3339(article.updatedAt ?? article.publishedAt),
        published: rfc3339(article.publishedAt),
        // Absent fields are undefined, which the builder leaves out: every entry object has one shape.
        author: article.authors.map((a) => ({ name: escapeXml(a.name), uri: a.url ? escapeXml(a.url) : undefined })),
        link: article.url ? { $: { rel: 'alternate', type: 'text/html', href: escapeXml(article.url) } } : undefined,
        category: [
          ...article.categories.map((c) => ({ $: { term: escapeXml(c) } })),
          ...article.tags.map((t) => ({ $: { term: escapeXml(t), scheme: 'urn:syndicate:tags' } })),
          ...enrichment.topics.map((t) => ({ $: { term: topicUri(t.id), scheme: IPTC_SCHEME, label: escapeXml(t.label) } })),
        ],
        summary: escapeXml(article.standfirst ?? enrichment.summary),
        content: { __cdata: bodies.add(bodyHtml ?? paragraphsToHtml(article.body)), $: { type: 'html' } },
        rights: article.usageTerms ? escapeXml(article.usageTerms) : undefined,
      })),
      'at:deleted-entry': doc.tombstones.map((t) => ({
        $: { ref: escapeXml(doc.entryId(t.id)), when: t.withdrawnAt },
        'at:comment': 'withdrawn by the publisher',
      })),
    },
  };
  return buildXml(document, bodies);
}
