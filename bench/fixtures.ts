/** Benchmark data: our own text, shaped like a full-text news feed. */
import type { EnrichedArticle } from '@syndicate/contracts';
import { type FeedDocument, tagIds } from '@syndicate/feeds';

// Our own text: a long article body per item, as a full-text feed carries.
const paragraph = (i: number, p: number) =>
  `Paragraph ${p} of story ${i}: the council met on Tuesday to discuss the harbour & the "new" ferry timetable <draft>, which residents say is overdue. `.repeat(
    3,
  );
export const benchItems = (count: number): EnrichedArticle[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'article.published',
    article: {
      id: `bench-${i}`,
      version: 1,
      headline: `Harbour story number ${i} & its consequences`,
      standfirst: `A short standfirst for story ${i}.`,
      body: Array.from({ length: 12 }, (_, p) => paragraph(i, p)),
      authors: [{ name: `Reporter ${i % 7}` }],
      url: `https://news.example/story/${i}`,
      categories: ['Local', 'Transport'],
      tags: ['harbour', 'ferry'],
      images: [{ url: `https://img.example/${i}.jpg`, caption: `Picture ${i}`, credit: 'Staff' }],
      language: 'en',
      publishedAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
      source: 'bench',
    },
    enrichment: {
      entities: [],
      topics: [{ id: 'medtop:20000063', label: 'transport', score: 1, evidence: [] }],
      language: 'en',
      wordCount: 900,
      summary: `Summary ${i}`,
      engine: 'bench',
    },
    enrichedAt: new Date().toISOString(),
  }));

export const ids = tagIds('bench.example', '2026');
export const benchDocument = (items: EnrichedArticle[]): FeedDocument => ({
  id: ids.feed('all'),
  title: 'Bench feed',
  description: 'Bench',
  links: { self: 'https://bench.example/feeds/all.rss', alternate: 'https://bench.example', hub: 'https://bench.example/websub' },
  archive: false,
  items,
  tombstones: [],
  entryId: ids.entry,
});
