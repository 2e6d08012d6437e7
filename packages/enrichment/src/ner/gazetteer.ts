/**
 * Lists of names the 1996 newswire the tagger learns from never saw (Kyiv, the SBU, OpenAI) or saw too rarely.
 * They are features for the tagger, not rules: "Georgia" may be a state, a country or a person, and the
 * context decides. The country list also gives entities their ISO 3166 codes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tokenize } from './tokenize.js';

export type GazetteerType = 'LOC' | 'ORG' | 'NORP';

interface Entry {
  type: GazetteerType;
  /** ISO 3166-1 alpha-2 for countries (and their other names), ISO 3166-2 for subdivisions. */
  iso3166?: string;
  /** The name the entry is filed under ("United States" for "U.S."). */
  canonical: string;
  /** For places: `-` when the place is no town or city (a region, sea or continent), never linked to one. */
  geonames?: string;
}

const MAX_TOKENS = 8;
const dataFile = (name: string) => createRequire(import.meta.url).resolve(`@syndicate/enrichment/data/gazetteer/${name}`);
const rows = (name: string) =>
  readFileSync(dataFile(name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'));
const key = (text: string) =>
  tokenize(text)
    .map((t) => t.text)
    .join(' ');

export class Gazetteer {
  private readonly exact = new Map<string, Entry[]>();
  /** The same names upper-cased, for headlines and datelines in capitals ("KYIV"). */
  private readonly upper = new Map<string, Entry[]>();
  private readonly firstNames = new Set<string>();
  /**
   * First tokens of every name, as written and upper-cased, with the most tokens a name starting so has:
   * most tokens start none and need no more look, and a look goes no further than the longest name.
   */
  private readonly starts = new Map<string, number>();

  constructor() {
    for (const row of rows('countries.tsv')) {
      const [code, name, others, demonyms] = row.split('\t') as [string, string, string?, string?];
      for (const alias of [name, ...split(others)]) this.add(alias, { type: 'LOC', iso3166: code, canonical: name });
      // "North Koreans" and "North Korean" are one group of people, filed under the first form.
      const groupNames = split(demonyms);
      for (const demonym of groupNames) this.add(demonym, { type: 'NORP', iso3166: code, canonical: groupNames[0] as string });
    }
    for (const row of rows('places.tsv')) {
      const [name, code, geonames] = row.split('\t') as [string, string?, string?];
      this.add(name, { type: 'LOC', canonical: name, ...(code ? { iso3166: code } : {}), ...(geonames ? { geonames } : {}) });
    }
    for (const row of rows('organizations.tsv')) {
      const [name, others] = row.split('\t') as [string, string?];
      for (const alias of [name, ...split(others)]) this.add(alias, { type: 'ORG', canonical: name });
    }
    for (const row of rows('first-names.txt')) for (const name of row.split(/\s+/)) if (name) this.firstNames.add(name);
  }

  private add(name: string, entry: Entry): void {
    const tokens = key(name);
    const parts = tokens.split(' ');
    const first = parts[0] as string;
    const length = Math.min(parts.length, MAX_TOKENS);
    for (const start of [first, first.toUpperCase()]) this.starts.set(start, Math.max(this.starts.get(start) ?? 0, length));
    for (const [map, k] of [
      [this.exact, tokens],
      [this.upper, tokens.toUpperCase()],
    ] as const) {
      const list = map.get(k) ?? [];
      if (!list.some((e) => e.type === entry.type && e.canonical === entry.canonical)) list.push(entry);
      map.set(k, list);
    }
  }

  isFirstName(word: string): boolean {
    return this.firstNames.has(word);
  }

  /** Entries for a name as the tagger found it, in tokens (`['North', 'Korea']`); used to attach external ids. */
  lookupTokens(tokens: readonly string[]): Entry[] {
    return this.exact.get(tokens.join(' ')) ?? [];
  }

  /**
   * For each token, the gazetteer features it carries: `LOC:B` opens a multi-token place name, `ORG:U` is
   * a one-token organisation, and so on (B, I, L, U as in BILOU). Longest matches win at each start.
   */
  features(words: readonly string[]): string[][] {
    // Most tokens have none: they share one empty list (never written to), an array each only when hit.
    const result: string[][] = new Array(words.length).fill(NONE);
    for (let i = 0; i < words.length; i++) {
      const longest = this.starts.get(words[i] as string);
      if (longest === undefined) continue;
      let joined = '';
      let inCapitals = true; // whether every word so far is its own upper case, as the names in `upper` are
      for (let n = 1; n <= longest && i + n <= words.length; n++) {
        const word = words[i + n - 1] as string;
        joined = n === 1 ? word : `${joined} ${word}`;
        inCapitals &&= word === word.toUpperCase();
        const entries = this.exact.get(joined) ?? (inCapitals ? this.upper.get(joined) : undefined);
        if (!entries) continue;
        for (const { type } of entries) {
          for (let j = 0; j < n; j++) {
            const position = n === 1 ? 'U' : j === 0 ? 'B' : j === n - 1 ? 'L' : 'I';
            if (result[i + j] === NONE) result[i + j] = [];
            (result[i + j] as string[]).push(`${type}:${position}`);
          }
        }
      }
    }
    return result;
  }
}

const NONE: string[] = [];

const split = (list: string | undefined) => (list ? list.split('|').filter(Boolean) : []);

let shared: Gazetteer | undefined;
/** The process-wide gazetteer, loaded on first use. */
export const gazetteer = () => {
  shared ??= new Gazetteer();
  return shared;
};
