/** Reads CoNLL-2003 files (token POS chunk NER, IOB2) into sentences with character offsets and gold spans. */
import { readFileSync } from 'node:fs';
import type { GoldText } from './spans.js';

export type ConllType = 'PER' | 'ORG' | 'LOC' | 'MISC';

export interface ConllSentence {
  text: string;
  tokens: Array<{ start: number; end: number }>;
  /** Gold entities as token index ranges, end exclusive. */
  gold: Array<{ type: ConllType; from: number; to: number }>;
}

/** A sentence's words, as the file has them. */
export const conllWords = (s: ConllSentence) => s.tokens.map((t) => s.text.slice(t.start, t.end));

/** A sentence as the scorer takes it: its text and the gold spans as character offsets. */
export function goldText(s: ConllSentence): GoldText {
  return {
    text: s.text,
    gold: s.gold.map((g) => ({
      type: g.type,
      start: (s.tokens[g.from] as { start: number }).start,
      end: (s.tokens[g.to - 1] as { end: number }).end,
    })),
  };
}

/** A document's sentences as one text, a line each, with the gold spans moved along. */
export function documentText(sentences: ConllSentence[]): GoldText {
  let text = '';
  const gold: GoldText['gold'] = [];
  for (const sentence of sentences.map(goldText)) {
    if (text) text += '\n';
    for (const g of sentence.gold) gold.push({ ...g, start: g.start + text.length, end: g.end + text.length });
    text += sentence.text;
  }
  return { text, gold };
}

/** Sentences grouped by document (`-DOCSTART-` lines), in file order. */
export function readConllDocuments(path: string): ConllSentence[][] {
  const documents: ConllSentence[][] = [];
  for (const block of readFileSync(path, 'utf8').split(/^-DOCSTART-.*$/m)) {
    const sentences = parseConll(block);
    if (sentences.length > 0) documents.push(sentences);
  }
  return documents;
}

export function readConll(path: string): ConllSentence[] {
  return parseConll(readFileSync(path, 'utf8'));
}

function parseConll(content: string): ConllSentence[] {
  const sentences: ConllSentence[] = [];
  let words: string[] = [];
  let tags: string[] = [];
  const flush = () => {
    if (words.length === 0) return;
    const tokens: ConllSentence['tokens'] = [];
    let text = '';
    for (const word of words) {
      if (text) text += ' ';
      tokens.push({ start: text.length, end: text.length + word.length });
      text += word;
    }
    const gold: ConllSentence['gold'] = [];
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i] as string;
      if (!tag.startsWith('B-')) continue;
      const type = tag.slice(2) as ConllType;
      let j = i + 1;
      while (tags[j] === `I-${type}`) j++;
      gold.push({ type, from: i, to: j });
    }
    sentences.push({ text, tokens, gold });
    words = [];
    tags = [];
  };
  for (const line of content.split('\n')) {
    if (line.startsWith('-DOCSTART-') || line.trim() === '') {
      flush();
      continue;
    }
    const parts = line.split(' ');
    words.push(parts[0] as string);
    tags.push(parts[3] ?? 'O');
  }
  flush();
  return sentences;
}
