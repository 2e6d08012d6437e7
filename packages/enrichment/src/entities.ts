/**
 * Entities in an article: the trained tagger finds the mentions, then mentions that name the same thing are
 * merged ("President Volodymyr Zelenskyy", "Zelenskyy's" and "Zelenskyy" are one person; "AP" and "the
 * Associated Press" one agency), each entity gets one type by vote, a canonical name, a slug id, ISO 3166
 * codes where the gazetteer knows the place, a GeoNames id and coordinates for a town or city (src/places.ts),
 * and a salience from where and how often it is mentioned.
 */
import { createRequire } from 'node:module';
import type { Entity, GeoPlace } from '@syndicate/contracts';
import { wordClusters } from './ner/clusters.js';
import { taggingForm } from './ner/features.js';
import { type Gazetteer, type GazetteerType, gazetteer } from './ner/gazetteer.js';
import { NameHistory } from './ner/history.js';
import { type EntityClass, NerModel, spansOf } from './ner/model.js';
import { NerTagger } from './ner/tagger.js';
import { sentences, type Token, tokenize } from './ner/tokenize.js';
import { geoOf, linkPlaces } from './places.js';
import { slugify } from './text-stats.js';

type EntityType = Entity['type'];

const TYPE_OF: Record<EntityClass, EntityType> = { PER: 'PERSON', ORG: 'ORGANIZATION', LOC: 'LOCATION', MISC: 'MISC' };
const GAZETTEER_TYPE: Record<GazetteerType, EntityType> = { LOC: 'LOCATION', ORG: 'ORGANIZATION', NORP: 'NORP' };

interface Mention {
  start: number;
  end: number;
  text: string;
  type: EntityType;
  words: string[];
}

/** Where the headline and the lead end in the text; mentions there weigh more in salience. */
export interface TextParts {
  headlineEnd: number;
  leadEnd: number;
}

/** The trained weights shipped with the package (data/ner-model.txt.gz, made by `npm run train:ner`). */
export const nerModelPath = () => createRequire(import.meta.url).resolve('@syndicate/enrichment/data/ner-model.txt.gz');

let sharedTagger: NerTagger | undefined;
/** The process-wide tagger with the shipped model, loaded on first use. */
export const nerTagger = () => {
  sharedTagger ??= new NerTagger(NerModel.load(nerModelPath()), gazetteer(), wordClusters());
  return sharedTagger;
};

/** Every mention the tagger finds, in text order. */
export function findMentions(text: string, tagger = nerTagger(), names: Gazetteer = gazetteer()): Mention[] {
  const mentions: Mention[] = [];
  const history = new NameHistory(); // what the tagger said about names in the sentences before
  for (const sentence of sentences(text, tokenize(text))) {
    const words = sentence.map((t) => t.text);
    for (const span of spansOf(tagger.tag(taggingForm(words), history))) {
      const first = sentence[span.from] as Token;
      const last = sentence[span.to - 1] as Token;
      const spanWords = words.slice(span.from, span.to);
      let type = TYPE_OF[span.type];
      // Nationalities and other groups ("Ukrainian", "North Koreans") are MISC in CoNLL; the gazetteer knows them.
      if (type === 'MISC' && names.lookupTokens(spanWords).some((e) => e.type === 'NORP')) type = 'NORP';
      mentions.push({ start: first.start, end: last.end, text: text.slice(first.start, last.end), type, words: spanWords });
    }
  }
  return mentions;
}

interface Group {
  mentions: Mention[];
  /** The gazetteer's name for it, when the gazetteer knows it ("United States" for "U.S."). */
  canonical?: string;
  iso3166?: string;
  /** `-` when the gazetteer knows the place is no town (see places.tsv). */
  geonames?: string;
}

/** The type most of the mentions' words have; on a tie, the type met first (a loop: this runs for every group). */
const typeVote = (mentions: Mention[]): EntityType => {
  if (mentions.length === 1) return (mentions[0] as Mention).type;
  const types: EntityType[] = [];
  const votes: number[] = [];
  for (const m of mentions) {
    const at = types.indexOf(m.type);
    if (at === -1) {
      types.push(m.type);
      votes.push(m.words.length);
    } else votes[at] = (votes[at] as number) + m.words.length;
  }
  let best = 0;
  for (let t = 1; t < types.length; t++) if ((votes[t] as number) > (votes[best] as number)) best = t;
  return types[best] ?? 'MISC';
};

/** Slugs of names seen lately: the same names come back article after article, and a slug is five passes. */
const slugs = new Map<string, string>();
const slugOf = (name: string) => {
  let slug = slugs.get(name);
  if (slug === undefined) {
    if (slugs.size >= 50_000) slugs.clear();
    slug = slugify(name);
    slugs.set(name, slug);
  }
  return slug;
};

const initials = (words: string[]) =>
  words
    .filter((w) => /^\p{Lu}/u.test(w))
    .map((w) => w[0])
    .join('');

/** Moves every mention of `from` to `to`, one by one (spreading 200,000 mentions as arguments overflows the stack). */
function moveMentions(from: Group, to: Group): void {
  for (const m of from.mentions) to.mentions.push(m);
  from.mentions = [];
}

/**
 * Groups of one kind (people named in full, organisations with long names) by a key of their mentions
 * (a surname, initials), for step 3 of `extractEntities`: which groups other than this one have a mention
 * with this key. Kept true as mentions move between groups.
 */
class GroupIndex {
  private readonly byKey = new Map<string, Set<Group>>();
  private readonly members = new Set<Group>();

  constructor(private readonly keyOf: (m: Mention) => string | undefined) {}

  add(group: Group, mentions: readonly Mention[]): void {
    this.members.add(group);
    for (const m of mentions) {
      const key = this.keyOf(m);
      if (key === undefined) continue;
      const groups = this.byKey.get(key) ?? new Set<Group>();
      groups.add(group);
      this.byKey.set(key, groups);
    }
  }

  /** The one group other than `group` with a mention keyed `key`; undefined when none or several. */
  onlyOtherThan(group: Group, key: string): Group | undefined {
    const groups = this.byKey.get(key);
    if (!groups) return undefined;
    const others = groups.size - (groups.has(group) ? 1 : 0);
    if (others !== 1) return undefined;
    for (const g of groups) if (g !== group) return g;
    return undefined;
  }

  /** `from`'s mentions are about to join `to`: a member `to` is now found by their keys too, `from` by none. */
  move(from: Group, to: Group): void {
    if (this.members.has(to)) this.add(to, from.mentions);
    if (!this.members.has(from)) return;
    for (const m of from.mentions) {
      const key = this.keyOf(m);
      if (key !== undefined) this.byKey.get(key)?.delete(from);
    }
  }
}

/** Links the places marked `link` (names to look up) to GeoNames, in the context of every entity's codes. */
function linkTowns(
  entities: Array<Pick<Entity, 'externalIds'> & { link: string[] | undefined; known: boolean; geo: GeoPlace | undefined }>,
): void {
  const towns = entities.filter((e) => e.link);
  if (towns.length === 0) return;
  const places = linkPlaces(
    towns.map((e) => ({ names: e.link as string[], known: e.known })),
    entities,
  );
  towns.forEach((entity, i) => {
    const place = places[i];
    if (!place) return;
    entity.externalIds.geonames = place.geonames;
    entity.geo = geoOf(place);
  });
}

/** Entities with merged mentions, most salient first. */
export function extractEntities(text: string, parts: TextParts = { headlineEnd: 0, leadEnd: text.length }): Entity[] {
  const names = gazetteer();
  const mentions = findMentions(text, nerTagger(), names);

  // 1. Same words, same thing: group by the text as written, case folded.
  const byKey = new Map<string, Group>();
  for (const m of mentions) {
    const key = m.words.join(' ').toLowerCase();
    const group = byKey.get(key) ?? { mentions: [] };
    group.mentions.push(m);
    byKey.set(key, group);
  }
  let groups = [...byKey.values()];

  // 2. Names the gazetteer files under one name ("AP", "Associated Press") join.
  const byCanonical = new Map<string, Group>();
  for (const group of groups) {
    const type = typeVote(group.mentions);
    const entry = names.lookupTokens((group.mentions[0] as Mention).words).find((e) => GAZETTEER_TYPE[e.type] === type);
    if (!entry) continue;
    group.canonical = entry.canonical;
    if (entry.iso3166) group.iso3166 = entry.iso3166;
    if (entry.geonames) group.geonames = entry.geonames;
    const key = `${type}:${entry.canonical}`;
    const existing = byCanonical.get(key);
    if (existing) moveMentions(group, existing);
    else byCanonical.set(key, group);
  }
  groups = groups.filter((g) => g.mentions.length > 0);

  // 3. A one-word mention that is the surname of exactly one person named in full is that person; an
  //    acronym made of an organisation's initials is that organisation. Candidates are found through
  //    indexes (surname -> people, initials -> organisations) kept up to date as mentions move, not by
  //    looking at every person for every word: thousands of names must not cost millions of comparisons.
  const people = new GroupIndex((m) => (m.words.length > 1 ? m.words.at(-1)?.toLowerCase() : undefined));
  const orgs = new GroupIndex((m) => initials(m.words));
  for (const g of groups) {
    const type = typeVote(g.mentions);
    if (type === 'PERSON' && g.mentions.some((m) => m.words.length > 1)) people.add(g, g.mentions);
    if (type === 'ORGANIZATION' && g.mentions.some((m) => m.words.length > 2)) orgs.add(g, g.mentions);
  }
  for (const group of groups) {
    const words = (group.mentions[0] as Mention).words;
    if (words.length !== 1) continue;
    const word = words[0] as string;
    const target =
      people.onlyOtherThan(group, word.toLowerCase()) ?? (/^\p{Lu}{2,}$/u.test(word) ? orgs.onlyOtherThan(group, word) : undefined);
    if (!target) continue;
    // The mention takes its person's type: a surname tagged as a place in one sentence is still the person.
    const type = typeVote(target.mentions);
    for (const m of group.mentions) m.type = type;
    people.move(group, target);
    orgs.move(group, target);
    moveMentions(group, target);
  }
  groups = groups.filter((g) => g.mentions.length > 0);

  const weight = (m: Mention) => (m.start < parts.headlineEnd ? 3 : m.start < parts.leadEnd ? 2 : 1);
  const scored = groups.map((group) => {
    const type = typeVote(group.mentions);
    const mentionsInOrder = group.mentions.sort((a, b) => a.start - b.start);
    // The fullest form names it: most words, then earliest.
    const longest = [...mentionsInOrder].sort((a, b) => b.words.length - a.words.length)[0] as Mention;
    const name = longest.words.join(' ');
    return {
      // The gazetteer's name keeps the id the same whichever form an article uses ("AP" or "Associated Press").
      id: `${type.toLowerCase()}/${slugOf(group.canonical ?? name) || 'unnamed'}`,
      name,
      type,
      mentions: mentionsInOrder.map(({ start, end, text }) => ({ start, end, text })),
      raw: mentionsInOrder.reduce((sum, m) => sum + weight(m), 0),
      externalIds: (group.iso3166 ? { iso3166: group.iso3166 } : {}) as Record<string, string>,
      geo: undefined as GeoPlace | undefined,
      // Towns and cities are linked to GeoNames; countries, states, regions and seas are not towns.
      link: type === 'LOCATION' && !group.iso3166 && group.geonames !== '-' ? [...new Set([name, group.canonical ?? name])] : undefined,
      known: group.canonical !== undefined,
    };
  });
  linkTowns(scored);
  // A loop, not Math.max(...): spreading 200,000 entities as arguments overflows the stack.
  const top = scored.reduce((max, e) => Math.max(max, e.raw), 1);
  return scored
    .map(
      (e): Entity => ({
        id: e.id,
        name: e.name,
        type: e.type,
        mentions: e.mentions,
        externalIds: e.externalIds,
        ...(e.geo ? { geo: e.geo } : {}),
        salience: Math.round((e.raw / top) * 1000) / 1000,
      }),
    )
    .sort((a, b) => b.salience - a.salience || (a.mentions[0]?.start ?? 0) - (b.mentions[0]?.start ?? 0));
}
