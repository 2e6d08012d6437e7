/**
 * Exact-span scoring shared by `npm run eval:ner` and the tests: an entity counts when its type and its
 * character offsets both match the gold annotation.
 */
import { readFileSync } from 'node:fs';
import { extractEntities } from '../src/entities.js';

export type ScoredType = 'PER' | 'ORG' | 'LOC';
export const SCORED_TYPES: readonly ScoredType[] = ['PER', 'ORG', 'LOC'];
const OURS: Record<string, ScoredType> = { PERSON: 'PER', ORGANIZATION: 'ORG', LOCATION: 'LOC' };

export interface GoldText {
  text: string;
  gold: Array<{ type: string; start: number; end: number }>;
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export const prf = ({ tp, fp, fn }: Counts) => {
  const precision = tp / Math.max(1, tp + fp);
  const recall = tp / Math.max(1, tp + fn);
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
};

/** Counts per type (and `micro` for PER+ORG+LOC) over the texts, each enriched on its own. */
export function scoreTexts(texts: Iterable<GoldText>): Record<ScoredType | 'micro', Counts> {
  const counts = {
    PER: { tp: 0, fp: 0, fn: 0 },
    ORG: { tp: 0, fp: 0, fn: 0 },
    LOC: { tp: 0, fp: 0, fn: 0 },
    micro: { tp: 0, fp: 0, fn: 0 },
  };
  for (const { text, gold } of texts) {
    const predicted = new Set<string>();
    for (const entity of extractEntities(text)) {
      const type = OURS[entity.type];
      if (type) for (const m of entity.mentions) predicted.add(`${type}:${m.start}:${m.end}`);
    }
    const expected = new Set(gold.filter((g) => g.type in counts).map((g) => `${g.type}:${g.start}:${g.end}`));
    for (const p of predicted) {
      const type = p.split(':')[0] as ScoredType;
      const outcome = expected.has(p) ? 'tp' : 'fp';
      counts[type][outcome]++;
      counts.micro[outcome]++;
    }
    for (const g of expected) {
      if (predicted.has(g)) continue;
      counts[g.split(':')[0] as ScoredType].fn++;
      counts.micro.fn++;
    }
  }
  return counts;
}

/** Reads sentences annotated inline as `[PER Ada Lovelace] visited [LOC Paris].`; `#` lines are comments. */
export function readInlineAnnotated(path: string): GoldText[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      let text = '';
      const gold: GoldText['gold'] = [];
      let rest = line;
      for (let match = /\[(PER|ORG|LOC) ([^\]]+)\]/.exec(rest); match; match = /\[(PER|ORG|LOC) ([^\]]+)\]/.exec(rest)) {
        text += rest.slice(0, match.index);
        gold.push({ type: match[1] as string, start: text.length, end: text.length + (match[2] as string).length });
        text += match[2];
        rest = rest.slice(match.index + match[0].length);
      }
      return { text: text + rest, gold };
    });
}
