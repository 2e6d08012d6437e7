/**
 * `npm run bench:enrich`: our enricher (entities, topics, word count, summary) against compromise finding
 * people, places and organisations in the same documents, in the same process: the BBC News dev articles in
 * ../shared/data. Tokens/s and articles/s, medians of several runs after a warm-up; and the median time of
 * one ~5 KB article (the articles between 4.5 and 5.5 KB). Goals: ≥ 10× compromise, 5 KB in under 5 ms.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Enricher } from '@syndicate/enrichment';
import nlp from 'compromise';
import { readBbc } from '../packages/enrichment/eval/bbc.js';
import { fixed, median, table } from './support.js';

const RUNS = 5;
const dataDir = join(import.meta.dirname, '..', '..', 'shared', 'data', 'bbc-news-dev');
if (!existsSync(dataDir)) {
  console.error(`bench:enrich needs the BBC News dev set at ${dataDir} (../shared/data beside the checkout)`);
  process.exit(2);
}
const articles = readBbc(dataDir).map(({ text }) => {
  const [headline = '', ...rest] = text.split('\n');
  return {
    headline,
    body: rest
      .join('\n')
      .split(/\n\s*\n/)
      .filter((p) => p.trim()),
    language: 'en',
  };
});
const tokens = articles.reduce((sum, a) => sum + [a.headline, ...a.body].join(' ').split(/\s+/).length, 0);
const enricher = new Enricher();

const engines: Record<string, (a: (typeof articles)[number]) => unknown> = {
  syndicate: (a) => enricher.enrich(a),
  compromise: (a) => {
    const doc = nlp([a.headline, ...a.body].join('\n\n'));
    return [doc.people().json({ offset: true }), doc.places().json({ offset: true }), doc.organizations().json({ offset: true })];
  },
};

function timeAll(run: (a: (typeof articles)[number]) => unknown): number {
  const started = performance.now();
  for (const a of articles) run(a);
  return (performance.now() - started) / 1000;
}

const seconds: Record<string, number[]> = { syndicate: [], compromise: [] };
for (const run of Object.values(engines)) timeAll(run); // warm-up: JIT, model loading
for (let r = 0; r < RUNS; r++) {
  for (const [name, run] of Object.entries(engines)) {
    seconds[name]?.push(timeAll(run));
    process.stderr.write(`run ${r + 1}/${RUNS} ${name}: ${fixed(seconds[name]?.at(-1) ?? 0, 2)} s\n`);
  }
}

const fiveKb = articles.filter((a) => {
  const bytes = Buffer.byteLength([a.headline, ...a.body].join('\n\n'));
  return bytes >= 4_500 && bytes <= 5_500;
});
const perArticleMs: number[] = [];
for (let r = 0; r < RUNS; r++) {
  for (const a of fiveKb) {
    const started = performance.now();
    enricher.enrich(a);
    perArticleMs.push(performance.now() - started);
  }
}

const ours = median(seconds.syndicate as number[]);
const theirs = median(seconds.compromise as number[]);
console.log(`\n${articles.length} articles, ${fixed(tokens)} tokens, median of ${RUNS} runs\n`);
console.log(
  table(
    ['engine', 'articles/s', 'tokens/s', 'relative'],
    [
      ['syndicate (entities + topics)', fixed(articles.length / ours), fixed(tokens / ours), `${fixed(theirs / ours, 1)}×`],
      ['compromise (people, places, organisations)', fixed(articles.length / theirs), fixed(tokens / theirs), '1×'],
    ],
  ),
);
console.log(`\n5 KB articles (${fiveKb.length} of them, 4.5–5.5 KB): median ${fixed(median(perArticleMs), 2)} ms per article\n`);
