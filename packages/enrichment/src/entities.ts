import type { Entity } from '@syndicate/contracts';
import nlp from 'compromise';
import { slugify } from './text-stats.js';

type EntityType = 'PERSON' | 'ORGANIZATION' | 'LOCATION';

interface Span {
  start: number;
  end: number;
  text: string;
  type: EntityType;
}

interface CompromiseTerm {
  tags?: string[];
  offset?: { start: number; length: number };
}
interface CompromiseMatch {
  terms?: CompromiseTerm[];
}

// Trailing punctuation and possessives are not part of a name ("Kyiv." / "Zelenskyy's").
const TRAILING_NOISE = /(?:['’]s?|[^\p{L}\p{N}])+$/u;
const LEADING_NOISE = /^[^\p{L}\p{N}]+/u;

/** Spans of people, organisations and places as compromise tags them; honorifics are left out of names. */
function findSpans(text: string): Span[] {
  const doc = nlp(text);
  const groups: Array<[EntityType, CompromiseMatch[]]> = [
    ['PERSON', doc.people().json({ offset: true }) as CompromiseMatch[]],
    ['ORGANIZATION', doc.organizations().json({ offset: true }) as CompromiseMatch[]],
    ['LOCATION', doc.places().json({ offset: true }) as CompromiseMatch[]],
  ];
  const spans: Span[] = [];
  for (const [type, matches] of groups) {
    for (const match of matches) {
      const terms = (match.terms ?? []).filter((t) => t.offset && !t.tags?.includes('Honorific'));
      const first = terms[0]?.offset;
      const last = terms[terms.length - 1]?.offset;
      if (!first || !last) continue;
      let start = first.start;
      let end = last.start + last.length;
      const raw = text.slice(start, end);
      const lead = raw.match(LEADING_NOISE)?.[0].length ?? 0;
      const trail = raw.slice(lead).match(TRAILING_NOISE)?.[0].length ?? 0;
      start += lead;
      end -= trail;
      if (end - start < 2) continue;
      spans.push({ start, end, text: text.slice(start, end), type });
    }
  }
  return spans;
}

/**
 * Entities with every mention, merged: a person's surname alone joins the full name it abbreviates, and the
 * longest form seen becomes the canonical name. Salience weighs the headline, the lead and frequency.
 */
export function extractEntities(text: string, leadEnd: number): Entity[] {
  const spans = findSpans(text).sort((a, b) => b.text.length - a.text.length || a.start - b.start);
  const entities: Array<{ name: string; type: EntityType; mentions: Span[] }> = [];
  const seen = new Set<string>();
  for (const span of spans) {
    const where = `${span.start}:${span.end}`;
    if (seen.has(where)) continue;
    seen.add(where);
    const key = span.text.toLowerCase();
    const target = entities.find(
      (e) =>
        e.type === span.type &&
        (e.name.toLowerCase() === key || (span.type === 'PERSON' && e.name.toLowerCase().split(/\s+/).pop() === key)),
    );
    if (target) target.mentions.push(span);
    else entities.push({ name: span.text, type: span.type, mentions: [span] });
  }

  const weights = entities.map((e) => e.mentions.reduce((sum, m) => sum + (m.start < leadEnd ? 3 : 1), 0));
  const maxWeight = Math.max(1, ...weights);
  return entities
    .map((e, i) => ({
      id: `${e.type.toLowerCase()}/${slugify(e.name)}`,
      name: e.name,
      type: e.type,
      mentions: e.mentions.sort((a, b) => a.start - b.start).map(({ start, end, text }) => ({ start, end, text })),
      salience: Math.round(((weights[i] ?? 0) / maxWeight) * 1000) / 1000,
      externalIds: {},
    }))
    .sort((a, b) => b.salience - a.salience || a.name.localeCompare(b.name));
}
