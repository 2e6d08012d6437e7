/**
 * `npm run build:clusters`: groups words that occur in similar contexts, from unlabelled news (the CoNLL-2003
 * training text and the BBC News dev articles in ../shared/data), and writes data/word-clusters.tsv.gz: one
 * line per word, `word\tpath`, the path a cluster at each level of a hierarchy ("5.3.7": cluster 5 of 16,
 * its sub-cluster 3 of 8, and 7 of 8 within that). The tagger reads the prefixes as features, so a word the
 * labelled data saw rarely or never ("Volkswagen", "Bundesbank") shares weights with the words that keep its
 * company. Deterministic: the same text gives the same clusters.
 *
 * How: each word that occurs at least MIN_COUNT times is a vector of its left and right neighbours (the most
 * frequent words by their lower case, rarer ones by their shape), weighted by positive pointwise mutual
 * information and normalised; spherical k-means splits all words into 16 clusters, then each cluster into 8,
 * then each of those into 8 (as Brown clusters' bit prefixes give coarse and fine classes).
 *
 *   npm run build:clusters -w @syndicate/enrichment
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readBbc } from '../eval/bbc.js';
import { conllWords, readConll } from '../eval/conll.js';
import { isAllCaps, SENTENCE_END, SENTENCE_START, shape } from '../src/ner/features.js';
import { sentences, tokenize } from '../src/ner/tokenize.js';

const DATA = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data');
const OUT = join(import.meta.dirname, '..', 'data', 'word-clusters.tsv.gz');
/** Words seen fewer times have too few contexts to place. */
const MIN_COUNT = 3;
/** Neighbours known by their lower case; the rest by their shape. */
const CONTEXT_WORDS = 1_000;
/** Clusters at each level under one cluster of the level above. */
const BRANCHING = [16, 8, 8];
const ITERATIONS = 20;

// Sentences as written; sentences in capitals (CoNLL's headlines) say little about a word's case and are left out.
const corpus: string[][] = [];
for (const sentence of readConll(join(DATA, 'conll2003pp', 'train.txt'))) corpus.push(conllWords(sentence));
for (const { text } of readBbc(join(DATA, 'bbc-news-dev'))) {
  for (const sentence of sentences(text, tokenize(text))) corpus.push(sentence.map((t) => t.text));
}
const text = corpus.filter((words) => !isAllCaps(words));

const counts = new Map<string, number>();
const lowerCounts = new Map<string, number>();
for (const words of text) {
  for (const w of words) {
    counts.set(w, (counts.get(w) ?? 0) + 1);
    const lw = w.toLowerCase();
    lowerCounts.set(lw, (lowerCounts.get(lw) ?? 0) + 1);
  }
}
const byFrequency = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
const contextWords = new Set(byFrequency(lowerCounts).slice(0, CONTEXT_WORDS));
const vocabulary = byFrequency(counts).filter((w) => (counts.get(w) as number) >= MIN_COUNT);
const wordIds = new Map(vocabulary.map((w, i) => [w, i]));

// Context features: "<" or ">" (left or right) and the neighbour's lower case or shape.
const contextIds = new Map<string, number>();
const contextOf = (word: string, side: string) => {
  const name =
    word === SENTENCE_START || word === SENTENCE_END ? word : contextWords.has(word.toLowerCase()) ? word.toLowerCase() : `#${shape(word)}`;
  const key = `${side}${name}`;
  let id = contextIds.get(key);
  if (id === undefined) {
    id = contextIds.size;
    contextIds.set(key, id);
  }
  return id;
};
const cooccurrences: Array<Map<number, number>> = vocabulary.map(() => new Map());
for (const words of text) {
  words.forEach((w, i) => {
    const id = wordIds.get(w);
    if (id === undefined) return;
    const row = cooccurrences[id] as Map<number, number>;
    for (const c of [contextOf(words[i - 1] ?? SENTENCE_START, '<'), contextOf(words[i + 1] ?? SENTENCE_END, '>')])
      row.set(c, (row.get(c) ?? 0) + 1);
  });
}

// Positive PMI, each word's vector normalised to length 1 (so a dot product is a cosine).
const contextTotals = new Float64Array(contextIds.size);
let total = 0;
for (const row of cooccurrences) {
  for (const [c, n] of row) {
    contextTotals[c] = (contextTotals[c] as number) + n;
    total += n;
  }
}
interface SparseVector {
  ids: Int32Array;
  values: Float64Array;
}
const vectors: SparseVector[] = cooccurrences.map((row) => {
  let rowTotal = 0;
  for (const n of row.values()) rowTotal += n;
  const entries = [...row]
    .map(([c, n]) => [c, Math.log((n * total) / (rowTotal * (contextTotals[c] as number)))] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => a[0] - b[0]);
  const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0)) || 1;
  return { ids: Int32Array.from(entries, ([c]) => c), values: Float64Array.from(entries, ([, v]) => v / norm) };
});

const dot = (v: SparseVector, centroid: Float64Array) => {
  let s = 0;
  for (let k = 0; k < v.ids.length; k++) s += (v.values[k] as number) * (centroid[v.ids[k] as number] as number);
  return s;
};

// A small linear congruential generator: the same seed, the same clusters.
let state = 20_261_205;
const random = () => {
  state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
  return state / 2_147_483_648;
};

/** Spherical k-means of `members` (word ids) into at most `k` clusters, seeded k-means++; a cluster per member. */
function kMeans(members: number[], k: number): Int32Array {
  const assignment = new Int32Array(members.length);
  if (members.length <= k) return assignment.map((_, i) => i);
  const dimensions = contextIds.size;
  const centroids: Float64Array[] = [];
  const densify = (v: SparseVector) => {
    const c = new Float64Array(dimensions);
    v.ids.forEach((id, j) => {
      c[id] = v.values[j] as number;
    });
    return c;
  };
  // k-means++: each next seed drawn with weight its distance (1 - cosine) to the nearest seed so far.
  centroids.push(densify(vectors[members[Math.floor(random() * members.length)] as number] as SparseVector));
  const nearest = new Float64Array(members.length).fill(Infinity);
  while (centroids.length < k) {
    const last = centroids.at(-1) as Float64Array;
    let sum = 0;
    members.forEach((m, i) => {
      nearest[i] = Math.min(nearest[i] as number, Math.max(0, 1 - dot(vectors[m] as SparseVector, last)));
      sum += nearest[i] as number;
    });
    let pick = random() * sum;
    let chosen = members.length - 1;
    for (let i = 0; i < members.length; i++) {
      pick -= nearest[i] as number;
      if (pick <= 0) {
        chosen = i;
        break;
      }
    }
    centroids.push(densify(vectors[members[chosen] as number] as SparseVector));
  }
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    let moved = 0;
    members.forEach((m, i) => {
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < k; c++) {
        const score = dot(vectors[m] as SparseVector, centroids[c] as Float64Array);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      if (assignment[i] !== best) moved++;
      assignment[i] = best;
    });
    for (const c of centroids) c.fill(0);
    members.forEach((m, i) => {
      const v = vectors[m] as SparseVector;
      const c = centroids[assignment[i] as number] as Float64Array;
      v.ids.forEach((id, j) => {
        c[id] = (c[id] as number) + (v.values[j] as number);
      });
    });
    for (const c of centroids) {
      const norm = Math.sqrt(c.reduce((s, x) => s + x * x, 0)) || 1;
      for (let d = 0; d < dimensions; d++) c[d] = (c[d] as number) / norm;
    }
    if (moved === 0) break;
  }
  return assignment;
}

const paths: string[] = vocabulary.map(() => '');
let groups: number[][] = [vocabulary.map((_, i) => i)];
for (const k of BRANCHING) {
  const next: number[][] = [];
  for (const members of groups) {
    const assignment = kMeans(members, k);
    const split: number[][] = Array.from({ length: k }, () => []);
    members.forEach((m, i) => {
      (split[assignment[i] as number] as number[]).push(m);
      paths[m] = paths[m] ? `${paths[m]}.${assignment[i]}` : String(assignment[i]);
    });
    next.push(...split.filter((s) => s.length > 0));
  }
  groups = next;
}

const lines = vocabulary.map((w, i) => `${w}\t${paths[i]}`);
writeFileSync(OUT, gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
console.error(
  `${text.length} sentences, ${vocabulary.length} words in ${groups.length} clusters, ${contextIds.size} contexts; wrote ${OUT}`,
);
