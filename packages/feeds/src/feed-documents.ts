import { type FeedDocument, lastUpdated, tagIds } from './document.js';
import type { FeedStore } from './feed-store.js';
import { FEED_FORMATS, type FeedFormat, renderBounded } from './formats.js';

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
    private readonly store: FeedStore,
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

  /** See FeedStore.removeFeed. */
  removeFeed(slug: string): Promise<void> {
    return this.store.removeFeed(slug);
  }

  /** See FeedStore.archiveBoundary. */
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
