/**
 * Entities in an article: the trained tagger finds the mentions, then mentions that name the same thing are
 * merged ("President Volodymyr Zelenskyy", "Zelenskyy's" and "Zelenskyy" are one person; "AP" and "the
 * Associated Press" one agency), each entity gets one type by vote, a canonical name, a slug id, ISO 3166
 * codes where the gazetteer knows the place, and a salience from where and how often it is mentioned.
 */
import { createRequire } from 'node:module';
import type { Entity } from '@syndicate/contracts';
import { taggingForm } from './ner/features.js';
import { type Gazetteer, type GazetteerType, gazetteer } from './ner/gazetteer.js';
import { type EntityClass, NerModel, spansOf } from './ner/model.js';
import { NerTagger } from './ner/tagger.js';
import { sentences, type Token, tokenize } from './ner/tokenize.js';
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
  sharedTagger ??= new NerTagger(NerModel.load(nerModelPath()), gazetteer());
  return sharedTagger;
};

/** Every mention the tagger finds, in text order. */
export function findMentions(text: string, tagger = nerTagger(), names: Gazetteer = gazetteer()): Mention[] {
  const mentions: Mention[] = [];
  for (const sentence of sentences(text, tokenize(text))) {
    const words = sentence.map((t) => t.text);
    for (const span of spansOf(tagger.tag(taggingForm(words)))) {
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
}

const typeVote = (mentions: Mention[]): EntityType => {
  const votes = new Map<EntityType, number>();
  for (const m of mentions) votes.set(m.type, (votes.get(m.type) ?? 0) + m.words.length);
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'MISC';
};

const initials = (words: string[]) =>
  words
    .filter((w) => /^\p{Lu}/u.test(w))
    .map((w) => w[0])
    .join('');

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
    const key = `${type}:${entry.canonical}`;
    const existing = byCanonical.get(key);
    if (existing) {
      existing.mentions.push(...group.mentions);
      group.mentions = [];
    } else byCanonical.set(key, group);
  }
  groups = groups.filter((g) => g.mentions.length > 0);

  // 3. A one-word mention that is the surname of exactly one person named in full is that person; an
  //    acronym made of an organisation's initials is that organisation.
  const people = groups.filter((g) => typeVote(g.mentions) === 'PERSON' && g.mentions.some((m) => m.words.length > 1));
  const orgs = groups.filter((g) => typeVote(g.mentions) === 'ORGANIZATION' && g.mentions.some((m) => m.words.length > 2));
  for (const group of groups) {
    const words = (group.mentions[0] as Mention).words;
    if (words.length !== 1) continue;
    const word = (words[0] as string).toLowerCase();
    const surnameOf = people.filter(
      (p) => p !== group && p.mentions.some((m) => m.words.length > 1 && m.words.at(-1)?.toLowerCase() === word),
    );
    const acronymOf = /^\p{Lu}{2,}$/u.test(words[0] as string)
      ? orgs.filter((o) => o !== group && o.mentions.some((m) => initials(m.words) === words[0]))
      : [];
    const target = surnameOf.length === 1 ? surnameOf[0] : acronymOf.length === 1 ? acronymOf[0] : undefined;
    if (!target) continue;
    // The mention takes its person's type: a surname tagged as a place in one sentence is still the person.
    for (const m of group.mentions) m.type = typeVote(target.mentions);
    target.mentions.push(...group.mentions);
    group.mentions = [];
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
      id: `${type.toLowerCase()}/${slugify(group.canonical ?? name) || 'unnamed'}`,
      name,
      type,
      mentions: mentionsInOrder.map(({ start, end, text }) => ({ start, end, text })),
      raw: mentionsInOrder.reduce((sum, m) => sum + weight(m), 0),
      externalIds: (group.iso3166 ? { iso3166: group.iso3166 } : {}) as Record<string, string>,
    };
  });
  const top = Math.max(1, ...scored.map((e) => e.raw));
  return scored
    .map(({ raw, ...entity }) => ({ ...entity, salience: Math.round((raw / top) * 1000) / 1000 }))
    .sort((a, b) => b.salience - a.salience || (a.mentions[0]?.start ?? 0) - (b.mentions[0]?.start ?? 0));
}
