/**
 * `npm run eval:ner`: precision, recall and F1 per type on exact spans, on the CoNLL-2003 (CoNLL++) dev set
 * in ../shared/data (one sentence at a time, tokenised by our own tokenizer from the joined words; then
 * whole documents, a sentence per line) and on the short modern news sentences in eval/modern-news.txt.
 * MISC has no scored counterpart and is left out.
 */
import { join } from 'node:path';
import { documentText, goldText, readConll, readConllDocuments } from './conll.js';
import { type Counts, type GoldText, prf, readInlineAnnotated, SCORED_TYPES, scoreTexts } from './spans.js';

const conllFile = process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'conll2003pp', 'dev.txt');

const conll = readConll(conllFile).map(goldText);

const documents = readConllDocuments(conllFile).map(documentText);

function report(title: string, texts: GoldText[]): void {
  const started = performance.now();
  const counts = scoreTexts(texts);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n### ${title} (${texts.length} texts, ${seconds.toFixed(1)} s)\n`);
  console.log('| type | precision | recall | F1 | gold spans |');
  console.log('| --- | --- | --- | --- | --- |');
  const row = (name: string, c: Counts) => {
    const { precision, recall, f1 } = prf(c);
    console.log(`| ${name} | ${precision.toFixed(3)} | ${recall.toFixed(3)} | ${f1.toFixed(3)} | ${c.tp + c.fn} |`);
  };
  for (const type of SCORED_TYPES) row(type, counts[type]);
  row('micro PER+ORG+LOC', counts.micro);
}

report(`CoNLL-2003 dev (${conllFile}), one sentence at a time`, conll);
report('CoNLL-2003 dev, whole documents (mentions of one name share a type)', documents);
report('Modern news sentences (eval/modern-news.txt)', readInlineAnnotated(join(import.meta.dirname, 'modern-news.txt')));
