/**
 * The features the tagger sees for each token of a sentence: the word and its neighbours, word shapes,
 * affixes, gazetteer hits and whether the sentence is written in capitals (CoNLL headlines are). The same
 * definitions serve training and tagging, so the two can never drift apart.
 *
 * They come in three groups, so the tagger can cache the first two per word (see NerTagger):
 * - about the word alone (`wordFeatures`),
 * - about one neighbour at a fixed distance (`neighbourFeatures`),
 * - about the word in its sentence: pairs of words, gazetteer hits, sentence position (`contextFeatures`).
 */
import { casedFor } from './casing.js';
import type { WordClusters } from './clusters.js';
import type { Gazetteer } from './gazetteer.js';
import type { NameHistory } from './history.js';

/** "Zelenskyy" -> "Xx", "U.S." -> "X.X.", "1996-08-22" -> "d-d-d", "McDonald" -> "XxXx". */
export function shape(word: string): string {
  if (word === SENTENCE_START || word === SENTENCE_END) return word;
  let out = '';
  let last = '';
  for (const ch of word) {
    // Other ASCII characters are neither letters nor digits: no regular expression needed to know.
    const c =
      ch >= 'a' && ch <= 'z' ? 'x' : ch >= 'A' && ch <= 'Z' ? 'X' : ch >= '0' && ch <= '9' ? 'd' : ch < '\u0080' ? ch : letterClass(ch);
    if (c !== last) {
      out += c;
      // The rest of a long word cannot change a shape cut at six.
      if (out.length > 6) return `${out.slice(0, 6)}…`;
    }
    last = c;
  }
  return out;
}

function letterClass(ch: string): string {
  if (/\p{Lu}/u.test(ch)) return 'X';
  if (/\p{L}/u.test(ch)) return 'x';
  if (/\p{N}/u.test(ch)) return 'd';
  return ch;
}

export const SENTENCE_START = '<s>';
export const SENTENCE_END = '</s>';
/** Neighbour distances that have features of their own. */
export const NEIGHBOURS = [-2, -1, 1, 2] as const;

/** Whether a sentence is written in capitals (a CoNLL headline, a dateline): then "KYIV" is read as "Kyiv". */
export function isAllCaps(words: readonly string[]): boolean {
  let letters = 0;
  for (const w of words) {
    if (/\p{Ll}/u.test(w)) return false;
    if (/\p{Lu}/u.test(w)) letters++;
  }
  return letters >= 2;
}

/**
 * Whether a sentence is written in Title Case ("Floods Kill Dozens In Southern Spain"), as many headlines are:
 * then capitals say nothing about names. The tagger learnt such sentences from CoNLL's headlines in capitals,
 * so the words are tagged as if upper-cased (see `taggingForm`).
 */
export function isTitleCase(words: readonly string[]): boolean {
  let alphabetic = 0;
  let lowerCase = 0;
  let capitalisedSmallWords = 0;
  for (const w of words) {
    const initial = letterCase(w);
    if (initial === 'none') continue;
    alphabetic++;
    if (initial === 'lower') {
      // Running text gives itself away within a few words: stop there.
      if (++lowerCase > words.length * 0.15) return false;
    } else if (w.length <= LONGEST_SMALL_WORD && SMALL_WORDS.has(w.toLowerCase()) && w !== w.toUpperCase()) capitalisedSmallWords++;
  }
  // A capitalised "In" or "Says" tells a headline from a line of names ("Chelsea 2 Arsenal 1").
  return alphabetic >= 4 && lowerCase <= alphabetic * 0.15 && capitalisedSmallWords > 0;
}

/** Whether a word starts with an upper-case letter, a lower-case one, or no letter; ASCII without a regex. */
export function letterCase(word: string): 'upper' | 'lower' | 'none' {
  const c = word.charCodeAt(0);
  if (c >= 65 && c <= 90) return 'upper';
  if (c >= 97 && c <= 122) return 'lower';
  if (c < 128) return 'none';
  return /^\p{Lu}/u.test(word) ? 'upper' : /^\p{L}/u.test(word) ? 'lower' : 'none';
}

/** Words written in lower case in running text, which Title Case capitalises. */
const SMALL_WORDS: ReadonlySet<string> = new Set(
  'a an the and or but nor of in on at to for from by with as into onto over after before about against amid among up down off out says say said is are was were be been will would can could may has have had not no its his her their this that these those new than then'.split(
    ' ',
  ),
);
const LONGEST_SMALL_WORD = Math.max(...[...SMALL_WORDS].map((w) => w.length));

/** The words as the tagger should see them: Title Case sentences upper-cased, others as written. */
export function taggingForm(words: readonly string[]): readonly string[] {
  return isTitleCase(words) ? words.map((w) => w.toUpperCase()) : words;
}

/**
 * Kinds of the cluster features of the word itself, by level ("k1=5", "k2=5.3", …). Only the word's own: the
 * clusters of its neighbours made CoNLL dev F1 worse (0.915 against 0.917 without clusters, 0.921 with the
 * word's own alone), the neighbours' words already say what their clusters would.
 */
export const CLUSTER_KINDS = ['k1', 'k2', 'k3'];

/** Features of the word itself: identity, shape, length, affixes, first-name list, clusters. */
export function wordFeatures(word: string, caps: boolean, gazetteer: Gazetteer, clusters: WordClusters): string[] {
  const w = casedFor(word, caps);
  const lw = word.toLowerCase();
  const sh = caps ? `C${shape(word)}` : shape(word);
  const f = ['b', `w=${w}`, `l=${lw}`, `sh=${sh}`, `len=${Math.min(lw.length, 8)}`];
  for (let k = 1; k <= 4 && k < w.length; k++) f.push(`p${k}=${w.slice(0, k)}`, `s${k}=${lw.slice(-k)}`);
  if (caps) f.push('caps', `caps|l=${lw}`);
  if (gazetteer.isFirstName(w)) f.push('fn');
  clusters.prefixes(w).forEach((prefix, level) => {
    f.push(`${CLUSTER_KINDS[level]}=${prefix}`);
  });
  return f;
}

/** Features of the word `distance` tokens away (`<s>` or `</s>` beyond the sentence). */
export function neighbourFeatures(word: string, distance: number, caps: boolean, gazetteer: Gazetteer): string[] {
  const f = [`l${distance > 0 ? '+' : ''}${distance}=${word === SENTENCE_START || word === SENTENCE_END ? word : word.toLowerCase()}`];
  if (distance === -1 || distance === 1) f.push(`sh${distance > 0 ? '+' : ''}${distance}=${shape(word)}`);
  if (distance === -1 && gazetteer.isFirstName(casedFor(word, caps))) f.push('fn-1');
  return f;
}

/** What a sentence's tokens share: their words, lower-cased, shapes and gazetteer hits. */
export interface SentenceView {
  words: readonly string[];
  caps: boolean;
  lower: string[];
  shapes: string[];
  gazetteer: string[][];
  /** For each token, the tag its word had in a name earlier in the text (`NameHistory`), if any. */
  earlier: ReadonlyArray<string | undefined> | undefined;
}

export function sentenceView(words: readonly string[], gazetteer: Gazetteer, history?: NameHistory): SentenceView {
  const caps = isAllCaps(words);
  return {
    words,
    caps,
    lower: words.map((w) => w.toLowerCase()),
    shapes: words.map(shape),
    gazetteer: gazetteer.features(words),
    earlier: history && words.map((w) => history.tagOf(casedFor(w, caps))),
  };
}

/** Prefixes of the word-pair features: the word before and this one, this one and the word after. */
export const PAIR_BEFORE = 'l-1|l=';
export const PAIR_AFTER = 'l|l+1=';
/** Prefix of the shape-triple feature: the shapes of the word before, this word and the word after. */
export const SHAPES = 'sh-1|sh|sh+1=';

/**
 * Features of token `i` that need more than one word: word pairs, shape trigram, position, gazetteer hits, and
 * the tag its word had earlier in the text.
 */
export function contextFeatures(view: SentenceView, i: number, withoutPairs = false): string[] {
  const n = view.words.length;
  const before = i > 0 ? (view.lower[i - 1] as string) : SENTENCE_START;
  const after = i + 1 < n ? (view.lower[i + 1] as string) : SENTENCE_END;
  const shapeBefore = i > 0 ? (view.shapes[i - 1] as string) : SENTENCE_START;
  const shapeAfter = i + 1 < n ? (view.shapes[i + 1] as string) : SENTENCE_END;
  const sh = view.caps ? `C${view.shapes[i]}` : (view.shapes[i] as string);
  const lw = view.lower[i] as string;
  const f: string[] = [];
  // The tagger looks word pairs and shape triples up its own way (see NerTagger) and asks for the rest only.
  if (!withoutPairs) f.push(`${PAIR_BEFORE}${before}|${lw}`, `${PAIR_AFTER}${lw}|${after}`, `${SHAPES}${shapeBefore}|${sh}|${shapeAfter}`);
  if (i === 0) f.push(`first|sh=${sh}`);
  for (const g of view.gazetteer[i] as string[]) f.push(`g=${g}`);
  if (i > 0) for (const g of view.gazetteer[i - 1] as string[]) f.push(`g-1=${g}`);
  if (i + 1 < n) for (const g of view.gazetteer[i + 1] as string[]) f.push(`g+1=${g}`);
  const earlier = view.earlier?.[i];
  if (earlier) f.push(`h=${historyValue(earlier, view.words, i)}`);
  return f;
}

/**
 * The history feature's value for token `i` whose word had `tag` earlier in the text: marked ("U-LOC|r") when a
 * capitalised word stands beside it, as inside a longer name, where the word's own history counts for less
 * ("Rotterdam" in "Port of Rotterdam Authority" after "in Rotterdam").
 */
export function historyValue(tag: string, words: readonly string[], i: number): string {
  const beside =
    (i > 0 && letterCase(words[i - 1] as string) === 'upper') || (i + 1 < words.length && letterCase(words[i + 1] as string) === 'upper');
  return historyFeatureValue(tag, beside);
}

/** `historyValue` given whether a capitalised word stands beside the token. */
export const historyFeatureValue = (tag: string, besideCapital: boolean) => (besideCapital ? `${tag}|r` : tag);

/** The word at distance `d` from token `i`, or the sentence boundary marker. */
export const neighbour = (words: readonly string[], i: number, d: number) =>
  i + d < 0 ? SENTENCE_START : i + d >= words.length ? SENTENCE_END : (words[i + d] as string);

/** All feature names for every token of one sentence (what training sees), given what the text said before. */
export function sentenceFeatures(
  words: readonly string[],
  gazetteer: Gazetteer,
  clusters: WordClusters,
  history?: NameHistory,
): string[][] {
  const view = sentenceView(words, gazetteer, history);
  return words.map((word, i) => [
    ...wordFeatures(word, view.caps, gazetteer, clusters),
    ...NEIGHBOURS.flatMap((d) => neighbourFeatures(neighbour(words, i, d), d, view.caps, gazetteer)),
    ...contextFeatures(view, i),
  ]);
}
