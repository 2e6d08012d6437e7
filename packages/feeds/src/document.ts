import type { EnrichedArticle } from '@syndicate/contracts';

/** The feed every public article is in, whatever subscriptions match it. */
export const ALL_FEED = 'all';

/**
 * An item as the feed store returns it: the enriched article plus its body already as HTML (made once per
 * version when stored, since a feed is rendered far more often than an article changes).
 */
export type FeedItem = EnrichedArticle & { bodyHtml?: string };

/** An article withdrawn from a feed, remembered there for a while (Atom's deleted-entry). */
export interface Tombstone {
  id: string;
  withdrawnAt: string;
}

/** Everything a renderer needs; the same document renders as RSS, Atom or JSON Feed. */
export interface FeedDocument {
  /** Stable id of the feed itself (a tag: URI). */
  id: string;
  title: string;
  description: string;
  links: {
    self: string;
    /** The site the feed stands for. */
    alternate: string;
    /** The WebSub hub (rel=hub). */
    hub?: string;
    /** RFC 5005: the archive page with the items just older than these. */
    prevArchive?: string;
    /** On an archive page: the current (subscription) document. */
    current?: string;
  };
  /** True for an RFC 5005 archive page, whose contents do not change. */
  archive: boolean;
  items: FeedItem[];
  tombstones: Tombstone[];
  /** Stable entry id for an article id: the same in every format and for every version. */
  entryId: (articleId: string) => string;
}

/**
 * Entry ids are tag: URIs (RFC 4151): `tag:<authority>,<date>:article:<id>`. They never change for an
 * article, whatever its version, title or URL, so readers update entries instead of duplicating them.
 */
export function tagIds(authority: string, date: string) {
  const base = `tag:${authority},${date}:`;
  return {
    entry: (articleId: string) => `${base}article:${articleId}`,
    feed: (slug: string) => `${base}feed:${slug}`,
  };
}

/** When the feed last changed: its newest item update or withdrawal. */
export function lastUpdated(doc: Pick<FeedDocument, 'items' | 'tombstones'>): Date {
  let newest = 0;
  for (const { article } of doc.items) newest = Math.max(newest, Date.parse(article.updatedAt ?? article.publishedAt));
  for (const t of doc.tombstones) newest = Math.max(newest, Date.parse(t.withdrawnAt));
  // An empty feed has not changed since the epoch: stable, so its ETag and Last-Modified stay put.
  return new Date(newest);
}

export const IPTC_SCHEME = 'http://cv.iptc.org/newscodes/mediatopic/';
export const topicUri = (qcode: string) => `${IPTC_SCHEME}${qcode.slice('medtop:'.length)}`;

// RFC 3339 with seconds, as Atom and JSON Feed require (the article schema also accepts minutes only).
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

/**
 * A timestamp as RFC 3339: as given when it already is (nearly always), else normalised to UTC. Parsing and
 * formatting every date again cost a tenth of a JSON Feed render.
 */
export const rfc3339 = (timestamp: string) => (RFC3339.test(timestamp) ? timestamp : new Date(timestamp).toISOString());
