import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArticleInput } from '@syndicate/article-parser';
import type { Entity } from '@syndicate/contracts';
import { describe, expect, it } from 'vitest';
import { Enricher } from './index.js';
import { choosePlace, type PlaceCandidate, placeIndex, placeKey } from './places.js';

const enricher = new Enricher();
const placesIn = (headline: string, ...body: string[]) =>
  enricher.enrich({ headline, body, language: 'en' }).entities.filter((e) => e.type === 'LOCATION');
const place = (entities: Entity[], name: string) => entities.find((e) => e.name === name);

describe('the GeoNames place index', () => {
  it('finds a town by its name folded (case, diacritics, punctuation), most populous first', () => {
    expect(placeKey('Washington, D.C.')).toBe('washington d c');
    expect(placeKey('Zürich')).toBe('zurich');
    expect(placeIndex().lookup('ZURICH')[0]).toMatchObject({ geonames: '2657896', country: 'CH' });
    const paris = placeIndex().lookup('Paris');
    expect(paris[0]).toMatchObject({ geonames: '2988507', country: 'FR', featureCode: 'PPLC' });
    expect(paris.map((p) => p.geonames)).toContain('4717560'); // Paris, Texas
    expect(paris.map((p) => p.population ?? 0)).toEqual([...paris.map((p) => p.population ?? 0)].sort((a, b) => b - a));
    expect(placeIndex().lookup('Nowhere In Particular')).toEqual([]);
  });

  it('knows the English names places.tsv gives GeoNames towns filed under another name', () => {
    expect(placeIndex().lookup('Kiev')[0]?.geonames).toBe('703448');
    expect(placeIndex().lookup('Cologne')[0]?.geonames).toBe('2886242'); // Köln
    expect(placeIndex().lookup('St Petersburg')[0]?.geonames).toBe('498817');
  });
});

describe('choosePlace', () => {
  const candidate = (geonames: string, country: string, admin1: string, population: number): PlaceCandidate => ({
    geonames,
    country,
    admin1,
    population,
    latitude: 0,
    longitude: 0,
  });
  const big = candidate('1', 'FR', '11', 2_000_000);
  const small = candidate('2', 'US', 'TX', 25_000);
  const none = { countries: new Set<string>(), divisions: new Set<string>() };

  it('takes the most populous without a clue, and a smaller namesake when the story names its state', () => {
    expect(choosePlace([small, big], none)?.geonames).toBe('1');
    expect(choosePlace([big, small], { countries: new Set(['US']), divisions: new Set(['US.TX']) })?.geonames).toBe('2');
    // Naming the country alone does not outweigh a town eighty times larger.
    expect(choosePlace([big, small], { countries: new Set(['US']), divisions: new Set() })?.geonames).toBe('1');
    expect(choosePlace([], none)).toBeUndefined();
  });

  it('gives a name the news gazetteer knows its most populous place more often', () => {
    const geneva = candidate('3', 'CH', 'GE', 184_000);
    const genevaIllinois = candidate('4', 'US', 'IL', 22_000);
    const us = { countries: new Set(['US']), divisions: new Set<string>() };
    expect(choosePlace([geneva, genevaIllinois], us)?.geonames).toBe('4');
    expect(choosePlace([geneva, genevaIllinois], us, undefined, true)?.geonames).toBe('3');
    expect(
      choosePlace([geneva, genevaIllinois], { countries: new Set(['US']), divisions: new Set(['US.IL']) }, undefined, true)?.geonames,
    ).toBe('4');
  });

  it('links a name the gazetteer does not know to a small town only when the story names its country', () => {
    const village = candidate('5', 'US', 'FL', 1_146);
    expect(choosePlace([village], none)).toBeUndefined();
    expect(choosePlace([village], { countries: new Set(['US']), divisions: new Set() })?.geonames).toBe('5');
    expect(choosePlace([village], none, undefined, true)?.geonames).toBe('5');
  });
});

describe('places in articles', () => {
  // Written for this test.
  it('links towns to GeoNames with coordinates and country, and leaves countries, states and regions unlinked', () => {
    const places = placesIn(
      'Floods hit Kharkiv as rain spreads across Europe',
      'Rescuers in Kharkiv and Dnipro pumped water from flooded streets on Sunday, Ukraine’s emergency service said, while Texas sent equipment.',
    );
    expect(place(places, 'Kharkiv')).toMatchObject({
      externalIds: { geonames: '706483' },
      geo: { country: 'UA', latitude: expect.closeTo(49.98, 1), longitude: expect.closeTo(36.25, 1) },
    });
    expect(place(places, 'Dnipro')?.externalIds.geonames).toBe('709930');
    expect(place(places, 'Ukraine')?.externalIds).toEqual({ iso3166: 'UA' });
    expect(place(places, 'Ukraine')?.geo).toBeUndefined();
    expect(place(places, 'Texas')?.externalIds).toEqual({ iso3166: 'US-TX' });
    expect(place(places, 'Europe')?.externalIds).toEqual({});
  });

  it('follows the story’s country for an ambiguous name, and the most populous otherwise', () => {
    // Written for this test.
    const texas = placesIn(
      'Tornado damages homes in northeast Texas',
      'A tornado tore through Paris on Tuesday night, damaging dozens of homes, Lamar County officials said. Texas emergency crews arrived by morning.',
    );
    expect(place(texas, 'Paris')?.externalIds.geonames).toBe('4717560');
    expect(place(texas, 'Paris')?.geo).toMatchObject({ country: 'US', admin1: 'TX' });
    const france = placesIn(
      'French unions call strike',
      'Unions in France called a national strike on Thursday, with the largest march planned in Paris.',
    );
    expect(place(france, 'Paris')?.externalIds.geonames).toBe('2988507');
    const bare = placesIn('Museum reopens', 'The museum in Paris reopened on Monday after a two-year renovation.');
    expect(place(bare, 'Paris')?.externalIds.geonames).toBe('2988507');
    const idaho = placesIn(
      'Students return to campus',
      'Students returned to classes in Moscow on Monday, Idaho officials said, as the university reopened its dormitories.',
    );
    expect(place(idaho, 'Moscow')?.geo).toMatchObject({ country: 'US', admin1: 'ID' });
    const russia = placesIn('Drone attack reported', 'Russia said air defences shot down drones approaching Moscow overnight.');
    expect(place(russia, 'Moscow')?.externalIds.geonames).toBe('524901');
    // An American story naming Geneva: the talks are in Switzerland (Geneva is in the news gazetteer).
    const talks = placesIn('Talks resume', 'United States and Iranian negotiators met in Geneva on Monday, officials in Washington said.');
    expect(place(talks, 'Geneva')?.geo?.country).toBe('CH');
  });

  const seed = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'seeds', '000_6082e137c817fc36.txt');
  it.skipIf(!existsSync(seed))('puts the seed article’s towns on the map', () => {
    const article = parseArticleInput(readFileSync(seed, 'utf8'));
    const places = placesIn(article.headline, ...article.body);
    const expected: Record<string, [string, string]> = {
      Kyiv: ['703448', 'UA'],
      Seoul: ['1835848', 'KR'],
      Moscow: ['524901', 'RU'],
      Kursk: ['538560', 'RU'],
      Pyongyang: ['1871859', 'KP'],
    };
    for (const [name, [geonames, country]] of Object.entries(expected)) {
      const entity = place(places, name);
      expect(entity?.externalIds.geonames, name).toBe(geonames);
      expect(entity?.geo?.country, name).toBe(country);
      expect(Math.abs(entity?.geo?.latitude ?? 0), name).toBeGreaterThan(30);
      expect(Math.abs(entity?.geo?.longitude ?? 0), name).toBeGreaterThan(30);
    }
  });
});
