import type { EnrichedArticle } from '@syndicate/contracts';
import { describe, expect, it } from 'vitest';
import { matchesFilter } from './matching.js';

const record = {
  article: { categories: ['World'], tags: ['Ukraine', 'North Korea'], source: 'wire', language: 'en' },
  enrichment: {
    entities: [
      { id: 'person/volodymyr-zelenskyy', name: 'Volodymyr Zelenskyy', externalIds: { wikidata: 'Q3874799' } },
      { id: 'location/kyiv', name: 'Kyiv', externalIds: { geonames: '703448' } },
    ],
    topics: [{ id: 'medtop:20000058' }],
  },
} as unknown as EnrichedArticle;

describe('matchesFilter', () => {
  it('matches everything without a filter', () => {
    expect(matchesFilter(undefined, record)).toBe(true);
    expect(matchesFilter({}, record)).toBe(true);
  });

  it('needs every given field to share a value, case-insensitively', () => {
    expect(matchesFilter({ categories: ['world'], tags: ['ukraine', 'Mars'] }, record)).toBe(true);
    expect(matchesFilter({ categories: ['Sport'] }, record)).toBe(false);
    expect(matchesFilter({ categories: ['World'], tags: ['Mars'] }, record)).toBe(false);
  });

  it('matches entities by id, name or external id', () => {
    expect(matchesFilter({ entities: ['person/volodymyr-zelenskyy'] }, record)).toBe(true);
    expect(matchesFilter({ entities: ['volodymyr zelenskyy'] }, record)).toBe(true);
    expect(matchesFilter({ entities: ['Q3874799'] }, record)).toBe(true);
    expect(matchesFilter({ entities: ['Someone Else'] }, record)).toBe(false);
  });

  it('matches a place by its GeoNames id, alone or as geonames:id', () => {
    expect(matchesFilter({ entities: ['703448'] }, record)).toBe(true);
    expect(matchesFilter({ entities: ['geonames:703448'] }, record)).toBe(true);
    expect(matchesFilter({ entities: ['wikidata:Q3874799'] }, record)).toBe(true);
    expect(matchesFilter({ entities: ['geonames:2988507'] }, record)).toBe(false); // Paris
    expect(matchesFilter({ entities: ['wikidata:703448'] }, record)).toBe(false);
  });

  it('lets a broader topic filter match a narrower topic when the hierarchy is known', () => {
    const broader = (id: string) => (id === 'medtop:20000058' ? ['medtop:20000056', 'medtop:16000000'] : []);
    expect(matchesFilter({ topics: ['medtop:16000000'] }, record, broader)).toBe(true);
    expect(matchesFilter({ topics: ['medtop:16000000'] }, record)).toBe(false);
    expect(matchesFilter({ topics: ['medtop:20000058'] }, record)).toBe(true);
  });
});
