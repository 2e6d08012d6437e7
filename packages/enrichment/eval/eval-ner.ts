/**
 * `npm run eval:ner`: precision, recall and F1 per type on exact spans, on the CoNLL-2003 (CoNLL++) dev set
 * in ../shared/data. PERSON, ORGANIZATION and LOCATION are scored against PER, ORG and LOC; MISC has no
 * counterpart in our types and is left out of the micro average (its gold spans are listed for reference).
 */
import { join } from 'node:path';
import { extractEntities } from '../src/entities.js';
import { readConll } from './conll.js';

const OURS_TO_CONLL: Record<string, string> = { PERSON: 'PER', ORGANIZATION: 'ORG', LOCATION: 'LOC' };
const file = process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'conll2003pp', 'dev.txt');
const sentences = readConll(file);
const counts: Record<string, { tp: number; fp: number; fn: number }> = {};
const count = (type: string) => {
  counts[type] ??= { tp: 0, fp: 0, fn: 0 };
  return counts[type];
};

const started = performance.now();
for (const [n, sentence] of sentences.entries()) {
  const startToken = new Map(sentence.tokens.map((t, i) => [t.start, i]));
  const endToken = new Map(sentence.tokens.map((t, i) => [t.end, i + 1]));
  const predicted = new Set<string>();
  for (const entity of extractEntities(sentence.text, sentence.text.length)) {
    const type = OURS_TO_CONLL[entity.type];
    if (!type) continue;
    for (const m of entity.mentions) {
      const from = startToken.get(m.start);
      const to = endToken.get(m.end);
      // A span that does not fall on token boundaries can never match exactly: it counts as wrong.
      predicted.add(from === undefined || to === undefined ? `${type}:x${m.start}-${m.end}` : `${type}:${from}-${to}`);
    }
  }
  const gold = new Set(sentence.gold.map((g) => `${g.type}:${g.from}-${g.to}`));
  for (const p of predicted) count(p.split(':')[0] as string)[gold.has(p) ? 'tp' : 'fp']++;
  for (const g of gold) if (!predicted.has(g)) count(g.split(':')[0] as string).fn++;
  if (n % 500 === 0) process.stderr.write(`\r${n}/${sentences.length} sentences`);
}
process.stderr.write(`\r${sentences.length}/${sentences.length} sentences in ${((performance.now() - started) / 1_000).toFixed(1)} s\n`);

const f = ({ tp, fp, fn }: { tp: number; fp: number; fn: number }) => {
  const p = tp / Math.max(1, tp + fp);
  const r = tp / Math.max(1, tp + fn);
  return { precision: p, recall: r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
};
const micro = ['PER', 'ORG', 'LOC'].map((t) => count(t)).reduce((a, b) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn }));
console.log('| type | precision | recall | F1 | gold spans |');
console.log('| --- | --- | --- | --- | --- |');
for (const type of ['PER', 'ORG', 'LOC']) {
  const c = count(type);
  const { precision, recall, f1 } = f(c);
  console.log(`| ${type} | ${precision.toFixed(3)} | ${recall.toFixed(3)} | ${f1.toFixed(3)} | ${c.tp + c.fn} |`);
}
const m = f(micro);
console.log(`| micro PER+ORG+LOC | ${m.precision.toFixed(3)} | ${m.recall.toFixed(3)} | ${m.f1.toFixed(3)} | ${micro.tp + micro.fn} |`);
console.log(`| MISC (not produced) | – | – | – | ${count('MISC').fn} |`);
