/**
 * `npm run bench:enrich`: our enricher (entities, topics, word count, summary) against compromise finding
 * people, places and organisations in the same documents.
 *
 * 1. In one process: the BBC News dev articles in ../shared/data. Tokens/s and articles/s, medians of several
 *    runs after a warm-up; and the median time of one ~5 KB article (the articles between 4.5 and 5.5 KB).
 *    Goals: ≥ 10× compromise, 5 KB in under 5 ms.
 * 2. Through the command line, as users run it, timed from outside: `syndicate enrich --jsonl` against
 *    `bench/compromise-jsonl.ts` (the same JSON lines in, a line of names out), each run on N CoNLL-2003
 *    documents (dev, then dev and train: sentences a line each) and on 1, the difference giving tokens/s with
 *    start-up subtracted; runs alternate between the two, ratios are medians of the per-round ratios.
 *    Goal: ≥ 10× compromise. And the time `new Enricher()` takes in a fresh process (goal: under 300 ms).
 * BENCH_CLI_ONLY=1 runs part 2 alone; BENCH_CLI_RUNS (5) sets its rounds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Enricher } from '@syndicate/enrichment';
import nlp from 'compromise';
import { readBbc } from '../packages/enrichment/eval/bbc.js';
import { readConllDocuments } from '../packages/enrichment/eval/conll.js';
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
/** 1. In one process. */
function inProcess(): void {
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
}
if (!process.env.BENCH_CLI_ONLY) inProcess();

// 2. Through the command line.
const root = join(import.meta.dirname, '..');
const conllDir = join(root, '..', 'shared', 'data', 'conll2003pp');
const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 5);
const documentsOf = (file: string) =>
  readConllDocuments(join(conllDir, file)).map((sentences) => sentences.map((sentence) => sentence.text).join('\n'));
const dev = documentsOf('dev.txt');
const sets = [
  { name: 'CoNLL dev', documents: dev },
  { name: 'CoNLL dev + train', documents: [...dev, ...documentsOf('train.txt')] },
];
const countTokens = (texts: string[]) => texts.reduce((sum, t) => sum + t.split(/\s+/).filter(Boolean).length, 0);
const scratch = mkdtempSync(join(tmpdir(), 'bench-enrich-'));
const jsonl = (name: string, texts: string[]) => {
  const path = join(scratch, name);
  writeFileSync(path, texts.map((text, id) => `${JSON.stringify({ id, text })}\n`).join(''));
  return path;
};
const commands: Record<string, string[]> = {
  syndicate: [join(root, 'bin', 'syndicate.js'), 'enrich', '--jsonl'],
  compromise: ['--import', 'tsx', join(root, 'bench', 'compromise-jsonl.ts')],
};
/** Wall-clock seconds of one run with `input` on stdin, output thrown away (as a pipe to /dev/null). */
function timeCli(args: string[], input: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: [openSync(input, 'r'), 'ignore', 'pipe'] });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr?.toString()}`);
  return seconds;
}
const one = jsonl('one.jsonl', dev.slice(0, 1));
const oneTokens = countTokens(dev.slice(0, 1));
const cliRows: string[][] = [];
for (const set of sets) {
  const all = jsonl(`${set.name.replace(/\W+/g, '-')}.jsonl`, set.documents);
  const tokens = countTokens(set.documents) - oneTokens;
  const rates: Record<string, number[]> = { syndicate: [], compromise: [] };
  const startUps: Record<string, number[]> = { syndicate: [], compromise: [] };
  const ratios: number[] = [];
  for (let r = 0; r < CLI_RUNS; r++) {
    for (const [name, args] of Object.entries(commands)) {
      const base = timeCli(args, one);
      const full = timeCli(args, all);
      rates[name]?.push(tokens / (full - base));
      startUps[name]?.push(base);
      process.stderr.write(`${set.name} round ${r + 1}/${CLI_RUNS} ${name}: 1 document ${fixed(base, 2)} s, all ${fixed(full, 2)} s\n`);
    }
    ratios.push((rates.syndicate?.at(-1) ?? 0) / (rates.compromise?.at(-1) ?? 1));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  cliRows.push([
    `${set.name} (${set.documents.length} documents, ${fixed(tokens + oneTokens)} tokens)`,
    fixed(median(rates.syndicate as number[])),
    fixed(median(rates.compromise as number[])),
    `${fixed(median(ratios), 1)}× (${fixed(sorted[0] ?? 0, 1)}–${fixed(sorted.at(-1) ?? 0, 1)})`,
    `${fixed(median(startUps.syndicate as number[]), 2)} / ${fixed(median(startUps.compromise as number[]), 2)}`,
  ]);
}
rmSync(scratch, { recursive: true, force: true });

// The model's load in a fresh process: `new Enricher()` (tagger, gazetteer, place index, topic model, vocabulary).
const loadMs: number[] = [];
for (let r = 0; r < CLI_RUNS; r++) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'enrich-load.ts')], { cwd: root, encoding: 'utf8' });
  loadMs.push(Number(result.stdout.trim()));
}

console.log(`\nThrough the command line (start-up subtracted: N documents minus 1), median of ${CLI_RUNS} rounds\n`);
console.log(
  table(
    ['documents', 'syndicate enrich --jsonl tokens/s', 'compromise CLI tokens/s', 'relative (range)', 'start-up s (ours / theirs)'],
    cliRows,
  ),
);
console.log(
  `\nnew Enricher() in a fresh process: median ${fixed(median(loadMs))} ms (runs: ${loadMs.map((ms) => fixed(ms)).join(', ')})\n`,
);
