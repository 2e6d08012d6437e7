import type { EnrichedArticle, Subscription, SubscriptionFilter } from '@syndicate/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesFilter } from './matching.js';
import { SubscriptionIndex } from './subscription-index.js';

const feed = (id: string, filter?: SubscriptionFilter): Subscription => ({
  id,
  type: 'feed',
  slug: id,
  access: 'public',
  createdAt: '2026-01-01T00:00:00Z',
  ...(filter ? { filter } : {}),
});

const article = (fields: {
  categories?: string[];
  tags?: string[];
  entities?: string[];
  topics?: string[];
  source?: string;
  language?: string;
}) =>
  ({
    article: {
      categories: fields.categories ?? [],
      tags: fields.tags ?? [],
      source: fields.source ?? 'wire',
      language: fields.language ?? 'en',
    },
    enrichment: {
      entities: (fields.entities ?? []).map((name) => ({ id: `x/${name}`, name, externalIds: {} })),
      topics: (fields.topics ?? []).map((id) => ({ id })),
    },
  }) as unknown as EnrichedArticle;

const broaderOf = (id: string) => (id === 'medtop:20000058' ? ['medtop:20000056', 'medtop:16000000'] : []);

describe('SubscriptionIndex', () => {
  it('finds unfiltered and matching subscriptions, and forgets removed ones', () => {
    const index = new SubscriptionIndex();
    index.put(feed('everything'));
    index.put(feed('world', { categories: ['World'] }));
    index.put(feed('world-ukraine', { categories: ['world'], tags: ['Ukraine'] }));
    index.put(feed('sport', { categories: ['Sport'] }));
    index.put(feed('war', { topics: ['medtop:16000000'] }));
    index.put(feed('english', { languages: ['en'] }));
    const ids = (a: EnrichedArticle) =>
      index
        .match(a, broaderOf)
        .map((s) => s.id)
        .sort();
    expect(ids(article({ categories: ['World'], tags: ['ukraine'], topics: ['medtop:20000058'], language: 'en-GB' }))).toEqual([
      'english',
      'everything',
      'war',
      'world',
      'world-ukraine',
    ]);
    index.remove('everything');
    index.put(feed('world', { categories: ['Europe'] })); // replaced, filed under its new value
    expect(ids(article({ categories: ['World'], language: 'fr' }))).toEqual([]);
  });

  it('agrees with checking every filter one by one (property test)', () => {
    const values = fc.constantFrom('a', 'b', 'c', 'd');
    const filter = fc.record(
      {
        categories: fc.array(values, { maxLength: 2 }),
        tags: fc.array(values, { maxLength: 2 }),
        entities: fc.array(values, { maxLength: 2 }),
        sources: fc.array(values, { maxLength: 1 }),
      },
      { requiredKeys: [] },
    );
    const articleArb = fc.record({ categories: fc.array(values), tags: fc.array(values), entities: fc.array(values), source: values });
    fc.assert(
      fc.property(fc.array(fc.option(filter, { nil: undefined }), { maxLength: 30 }), articleArb, (filters, fields) => {
        const index = new SubscriptionIndex();
        const subscriptions = filters.map((f, i) => feed(`s${i}`, f));
        for (const s of subscriptions) index.put(s);
        const a = article(fields);
        const expected = subscriptions
          .filter((s) => matchesFilter(s.filter, a))
          .map((s) => s.id)
          .sort();
        return (
          JSON.stringify(
            index
              .match(a)
              .map((s) => s.id)
              .sort(),
          ) === JSON.stringify(expected)
        );
      }),
      { numRuns: 500 },
    );
  });
});
