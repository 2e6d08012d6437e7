// Shared by the feed tests: a small feed document and items made of our own text.
import type { EnrichedArticle } from '@syndicate/contracts';
import { type FeedDocument, tagIds } from './document.js';

export function sampleItem(id: string, headline: string, body: string[], extra: Partial<EnrichedArticle['article']> = {}): EnrichedArticle {
  return {
    type: 'article.published',
    article: {
      id,
      version: 1,
      headline,
      body,
      authors: [{ name: 'Ada Reporter' }],
      categories: ['World'],
      tags: ['harbour'],
      images: [],
      language: 'en',
      publishedAt: '2026-11-01T10:00:00Z',
      source: 'newsroom',
      ...extra,
    },
    enrichment: {
      entities: [],
      topics: [{ id: 'medtop:16000000', label: 'conflict, war and peace', score: 1, evidence: [] }],
      language: 'en',
      wordCount: 3,
      summary: body[0] ?? '',
      engine: 'test',
    },
    enrichedAt: '2026-11-01T10:00:01Z',
  };
}

export function sampleDocument(items: EnrichedArticle[], tombstones: FeedDocument['tombstones'] = []): FeedDocument {
  const ids = tagIds('feeds.test', '2026-01-01');
  return {
    id: ids.feed('all'),
    title: 'Test feed',
    description: 'Everything',
    links: { self: 'http://feeds.test/feeds/all.rss', alternate: 'http://feeds.test', hub: 'http://feeds.test/websub' },
    archive: false,
    items,
    tombstones,
    entryId: ids.entry,
  };
}
