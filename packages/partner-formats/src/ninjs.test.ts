import type { EnrichedArticle } from '@syndicate/contracts';
import { ninjsValidator } from '@syndicate/test-support';
import { describe, expect, it } from 'vitest';
import { partnerMessage, toNinjs } from './index.js';

const validateNinjs = ninjsValidator();

const record: EnrichedArticle = {
  type: 'article.updated',
  article: {
    id: 'a-1',
    version: 3,
    headline: 'Ferry strike called off',
    standfirst: 'Crews accept the offer.',
    body: ['The strike was called off on Monday.', 'Sailings resume <today>.'],
    authors: [{ name: 'Ada Reporter' }, { name: 'Ben Writer' }],
    url: 'https://news.example/ferry',
    categories: ['Local'],
    tags: ['ferry'],
    images: [
      { url: 'https://img.example/f.jpg', caption: 'The harbour', credit: 'Staff' },
      { caption: 'No picture file', credit: 'Agency' },
    ],
    language: 'en',
    publishedAt: '2026-11-01T08:00:00Z',
    updatedAt: '2026-11-01T09:30:00Z',
    embargoUntil: '2030-01-01T00:00:00Z',
    usageTerms: 'Partners only',
    source: 'newsroom',
  },
  enrichment: {
    entities: [
      { id: 'person/ada-lovelace', name: 'Ada Lovelace', type: 'PERSON', mentions: [], salience: 1, externalIds: { wikidata: 'Q7259' } },
      { id: 'organization/harbour-board', name: 'Harbour Board', type: 'ORGANIZATION', mentions: [], salience: 0.5, externalIds: {} },
      { id: 'location/portsmouth', name: 'Portsmouth', type: 'LOCATION', mentions: [], salience: 0.4, externalIds: {} },
      {
        id: 'location/kyiv',
        name: 'Kyiv',
        type: 'LOCATION',
        mentions: [],
        salience: 0.3,
        externalIds: { geonames: '703448' },
        geo: { latitude: 50.45466, longitude: 30.5238, country: 'UA', admin1: '12', population: 2_797_553, featureCode: 'PPLC' },
      },
    ],
    topics: [{ id: 'medtop:20000063', label: 'transport', score: 0.87, evidence: ['ferry'] }],
    language: 'en',
    wordCount: 12,
    summary: 'The strike was called off.',
    engine: 'test',
  },
  enrichedAt: '2026-11-01T09:31:00Z',
};

describe('ninjs 2.2', () => {
  it('validates against the IPTC schema, with people, organisations, places, subjects and picture renditions', () => {
    const ninjs = toNinjs(record, new Date('2026-11-02T00:00:00Z'));
    expect(validateNinjs(ninjs), JSON.stringify(validateNinjs.errors)).toBe(true);
    expect(ninjs).toMatchObject({
      uri: 'urn:syndicate:article:a-1',
      version: '3',
      versioncreated: '2026-11-01T09:30:00Z',
      pubstatus: 'withheld', // embargoed until 2030
      embargoed: '2030-01-01T00:00:00Z',
      by: 'Ada Reporter, Ben Writer',
      people: [{ name: 'Ada Lovelace', uri: 'http://www.wikidata.org/entity/Q7259' }],
      places: [
        { name: 'Portsmouth', literal: 'location/portsmouth' },
        {
          name: 'Kyiv',
          rel: 'mentioned',
          literal: 'location/kyiv',
          uri: 'https://sws.geonames.org/703448/',
          geojson: { type: 'Point', coordinates: [30.5238, 50.45466] },
        },
      ],
    });
    expect((ninjs as { subjects: unknown[] }).subjects[0]).toEqual({
      name: 'transport',
      rel: 'about',
      uri: 'http://cv.iptc.org/newscodes/mediatopic/20000063',
      literal: 'medtop:20000063',
      relevance: 87,
      creator: 'syndicate',
    });
    expect((ninjs as { associations: Array<{ renditions?: unknown }> }).associations.map((a) => a.renditions)).toEqual([
      [{ name: 'original', href: 'https://img.example/f.jpg' }],
      undefined,
    ]);
  });

  it('is usable once the embargo has passed, and canceled when withdrawn', () => {
    expect(toNinjs(record, new Date('2031-01-01T00:00:00Z')).pubstatus).toBe('usable');
    const killed = toNinjs({ type: 'article.withdrawn', id: 'a-1', version: 4, withdrawnAt: '2026-11-03T00:00:00Z', reason: 'legal' });
    expect(validateNinjs(killed), JSON.stringify(validateNinjs.errors)).toBe(true);
    expect(killed).toMatchObject({ uri: 'urn:syndicate:article:a-1', version: '4', pubstatus: 'canceled' });
  });

  it('keys partner messages by article id and says the event type in a header', () => {
    const message = partnerMessage(record, 'ninjs');
    expect(message.key).toBe('a-1');
    expect(message.headers).toMatchObject({ ce_type: 'article.updated', 'syndicate-format': 'ninjs', 'syndicate-version': '3' });
  });

  it('rejects what the schema forbids (the validator is not a rubber stamp)', () => {
    expect(validateNinjs({ uri: 'x', byline: 'ninjs 1.x field' })).toBe(false);
    expect(validateNinjs({ headline: 'no uri' })).toBe(false);
  });
});
