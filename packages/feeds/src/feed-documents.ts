import { type FeedDocument, type FeedItem, lastUpdated, type Tombstone, tagIds } from './document.js';
import { FEED_FORMATS, type FeedFormat, renderBounded } from './formats.js';

export interface FeedPage {
  items: FeedItem[];
  /** Recently withdrawn articles of this feed, newest first. */
  tombstones: Tombstone[];
  /** Publication time (ms) of the oldest item on the page, when older items exist: the next archive page. */
  olderThan?: number;
}

/** Where documents are made from: the feed store (@syndicate/feed-store), or a test's own. */
export interface FeedSource {
  /** One page of a feed, newest first: the current page, or with `olderThan` (ms) an archive page. */
  page(slug: string, options: { limit: number; olderThan?: number }): Promise<FeedPage>;
  /** Forgets a feed's items and tombstones (a feed deleted, or its slug taken again). */
  removeFeed(slug: string): Promise<void>;
  /** The archive page boundary that serves `before`, or null when no item is that new. */
  archiveBoundary(slug: string, before: number): Promise<number | null>;
}

export interface FeedSite {
  /** How readers reach the API, e.g. https://feeds.example.com (a function: known only once listening). */
  baseUrl: () => string;
  /** tag: URI authority and date (RFC 4151); never change them once feeds are public. */
  tagAuthority: string;
  tagDate: string;
  /** Items per document. */
  pageItems: number;
  /** Largest document served; older items move to archive pages. */
  maxBytes: number;
}

export interface RenderedFeed {
  /** The document as UTF-8 bytes. */
  body: Buffer;
  contentType: string;
  lastModified: Date;
}

/** Builds feed documents from the store: the current page and RFC 5005 archive pages, in any format. */
export class FeedDocuments {
  private readonly ids;

  constructor(
    private readonly store: FeedSource,
    readonly site: FeedSite,
  ) {
    this.ids = tagIds(site.tagAuthority, site.tagDate);
  }

  get hubUrl(): string {
    return `${this.site.baseUrl()}/websub`;
  }

  feedUrl(slug: string, format: FeedFormat, olderThan?: number): string {
    return `${this.site.baseUrl()}/feeds/${slug}.${format}${olderThan === undefined ? '' : `?before=${olderThan}`}`;
  }

  /** See FeedSource.removeFeed. */
  removeFeed(slug: string): Promise<void> {
    return this.store.removeFeed(slug);
  }

  /** See FeedSource.archiveBoundary. */
  archiveBoundary(slug: string, before: number): Promise<number | null> {
    return this.store.archiveBoundary(slug, before);
  }

  async render(slug: string, title: string, format: FeedFormat, olderThan?: number): Promise<RenderedFeed> {
    const page = await this.store.page(slug, { limit: this.site.pageItems, olderThan });
    const archive = olderThan !== undefined;
    const doc: FeedDocument = {
      id: this.ids.feed(slug),
      title,
      description: archive ? `${title} (archive)` : title,
      links: {
        self: this.feedUrl(slug, format, olderThan),
        alternate: this.site.baseUrl(),
        hub: this.hubUrl,
        prevArchive: page.olderThan === undefined ? undefined : this.feedUrl(slug, format, page.olderThan),
        current: archive ? this.feedUrl(slug, format) : undefined,
      },
      archive,
      items: page.items,
      tombstones: page.tombstones,
      entryId: this.ids.entry,
    };
    const { body } = renderBounded(format, doc, this.site.maxBytes, (ms) => this.feedUrl(slug, format, ms));
    return { body, contentType: FEED_FORMATS[format].contentType, lastModified: lastUpdated(doc) };
  }
}
