/**
 * A linear classifier over term vectors (multinomial logistic regression): one weight per term and class,
 * softmax over the classes. It decides which top-level IPTC Media Topic an article belongs to; the
 * classifier then descends the vocabulary for the specific topics. Trained by scripts/train-topics.ts.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { seededShuffler } from '../seeded-shuffle.js';
import { termCounts } from './terms.js';

/**
 * log(1 + tf) × idf, scaled to unit length so long and short articles weigh the same. Without `idf`, every
 * term counts; with it, only the terms it knows.
 */
export function termVector(counts: Map<string, number>, idf?: (term: string) => number | undefined): Map<string, number> {
  const vector = new Map<string, number>();
  let norm = 0;
  for (const [term, count] of counts) {
    const weight = idf ? idf(term) : 1;
    if (weight === undefined) continue;
    const v = Math.log1p(count) * weight;
    vector.set(term, v);
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [term, v] of vector) vector.set(term, v / norm);
  return vector;
}

/** An article's known terms with their rows in the model and tf-idf values (unit length). */
export interface TermVector {
  terms: string[];
  rows: number[];
  values: number[];
  size: number;
}

export interface LabelledText {
  text: string;
  label: string;
  /** How much this example counts in training (short vocabulary definitions count more than one article). */
  weight?: number;
}

export interface TrainingOptions {
  epochs?: number;
  learningRate?: number;
  /** Terms must occur in this many examples to become features. */
  minDocuments?: number;
  /** Weigh terms by inverse document frequency. */
  idf?: boolean;
}

export class TopicModel {
  private constructor(
    readonly classes: readonly string[],
    private readonly index: Map<string, number>,
    private readonly weights: Float32Array,
    private readonly bias: Float32Array,
    /** Inverse document frequency per feature, from the training texts. */
    private readonly idf: Float32Array,
  ) {}

  /**
   * The article (its `termCounts`) as the model sees it: known terms only, weighted by tf-idf, unit length
   * (as `termVector` with the model's idf), with each term's row so nothing is looked up twice.
   */
  vectorize(counts: Map<string, number>): TermVector {
    const terms: string[] = [];
    const rows: number[] = [];
    const values: number[] = [];
    let norm = 0;
    for (const [term, count] of counts) {
      const at = this.index.get(term);
      if (at === undefined) continue;
      const v = Math.log1p(count) * (this.idf[at] as number);
      terms.push(term);
      rows.push(at);
      values.push(v);
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / norm;
    return { terms, rows, values, size: terms.length };
  }

  static load(path: string): TopicModel {
    const data = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
      classes: string[];
      bias: number[];
      scale: number;
      /** Per term: its idf, then one weight per class. */
      terms: Record<string, number[]>;
    };
    const k = data.classes.length;
    const index = new Map<string, number>();
    const size = Object.keys(data.terms).length;
    const weights = new Float32Array(size * k);
    const idf = new Float32Array(size);
    for (const term in data.terms) {
      const row = data.terms[term] as number[];
      const at = index.size;
      index.set(term, at);
      idf[at] = (row[0] as number) / data.scale;
      for (let c = 0; c < k; c++) weights[at * k + c] = (row[c + 1] as number) / data.scale;
    }
    return new TopicModel(data.classes, index, weights, Float32Array.from(data.bias), idf);
  }

  serialize(scale = 10_000): string {
    const k = this.classes.length;
    const terms: Record<string, number[]> = {};
    for (const [term, at] of this.index) {
      const row = Array.from(this.weights.subarray(at * k, at * k + k), (v) => Math.round(v * scale));
      if (row.some((v) => v !== 0)) terms[term] = [Math.round((this.idf[at] as number) * scale), ...row];
    }
    return JSON.stringify({ classes: this.classes, bias: Array.from(this.bias, (v) => Math.round(v * 1e4) / 1e4), scale, terms });
  }

  /** Every term the model knows (stems and stem pairs). */
  terms(): IterableIterator<string> {
    return this.index.keys();
  }

  /** Class probabilities for a term vector. */
  probabilities(vector: TermVector): Float64Array {
    const k = this.classes.length;
    const scores = Float64Array.from(this.bias);
    for (let i = 0; i < vector.size; i++) {
      const base = (vector.rows[i] as number) * k;
      const value = vector.values[i] as number;
      for (let c = 0; c < k; c++) scores[c] = (scores[c] as number) + value * (this.weights[base + c] as number);
    }
    return softmax(scores);
  }

  /** The terms of `vector` that pushed it most towards class `c`, strongest first. */
  evidence(vector: TermVector, c: number, limit = 5): string[] {
    const k = this.classes.length;
    const contributions: Array<[string, number]> = [];
    for (let i = 0; i < vector.size; i++) {
      const v = (vector.values[i] as number) * (this.weights[(vector.rows[i] as number) * k + c] as number);
      if (v > 0) contributions.push([vector.terms[i] as string, v]);
    }
    return contributions
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([term]) => term);
  }

  /** Stochastic gradient descent on the cross-entropy; deterministic for the same examples. */
  static train(examples: readonly LabelledText[], options: TrainingOptions = {}): TopicModel {
    const { epochs = 30, learningRate = 1, minDocuments = 2, idf: useIdf = true } = options;
    const classes = [...new Set(examples.map((e) => e.label))].sort();
    const k = classes.length;
    const counts = examples.map((e) => termCounts(e.text));
    const documents = new Map<string, number>();
    for (const c of counts) for (const term of c.keys()) documents.set(term, (documents.get(term) ?? 0) + 1);
    const index = new Map<string, number>();
    const idfValues: number[] = [];
    for (const [term, n] of documents) {
      if (n < minDocuments) continue;
      index.set(term, index.size);
      idfValues.push(useIdf ? Math.log((examples.length + 1) / (n + 1)) + 1 : 1);
    }
    const idf = Float32Array.from(idfValues);
    // The vectors hold known terms only, so every term has a row.
    const rows = counts.map((c) =>
      Array.from(termVector(c, idfOf(index, idf)), ([term, value]) => [index.get(term) as number, value] as const),
    );
    const labels = examples.map((e) => classes.indexOf(e.label));
    const weights = new Float32Array(index.size * k);
    const bias = new Float32Array(k);

    const shuffle = seededShuffler(7);
    const order = examples.map((_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffle(order);
      const rate = learningRate / (1 + epoch * 0.2);
      for (const i of order) {
        const row = rows[i] as ReadonlyArray<readonly [number, number]>;
        const scores = Float64Array.from(bias);
        for (const [at, value] of row)
          for (let c = 0; c < k; c++) scores[c] = (scores[c] as number) + value * (weights[at * k + c] as number);
        const p = softmax(scores);
        const step = rate * (examples[i]?.weight ?? 1);
        for (let c = 0; c < k; c++) {
          const gradient = (p[c] as number) - (c === labels[i] ? 1 : 0);
          if (Math.abs(gradient) < 1e-6) continue;
          bias[c] = (bias[c] as number) - step * gradient * 0.1;
          for (const [at, value] of row) weights[at * k + c] = (weights[at * k + c] as number) - step * gradient * value;
        }
      }
    }
    return new TopicModel(classes, index, weights, bias, idf);
  }
}

/** A term's idf by the model's index, undefined for terms the model does not know. */
const idfOf = (index: Map<string, number>, idf: Float32Array) => (term: string) => {
  const at = index.get(term);
  return at === undefined ? undefined : (idf[at] as number);
};

function softmax(scores: Float64Array): Float64Array {
  const max = Math.max(...scores);
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    scores[c] = Math.exp((scores[c] as number) - max);
    sum += scores[c] as number;
  }
  for (let c = 0; c < scores.length; c++) scores[c] = (scores[c] as number) / sum;
  return scores;
}
