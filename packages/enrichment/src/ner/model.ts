/**
 * A linear sequence tagger: every feature has one weight per tag, every tag pair a transition weight, and
 * Viterbi finds the best tag sequence that is also valid BILOU (no "I-PER" after "O"). Trained as an
 * averaged structured perceptron (Collins 2002) by scripts/train-ner.ts.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const ENTITY_CLASSES = ['PER', 'ORG', 'LOC', 'MISC'] as const;
export type EntityClass = (typeof ENTITY_CLASSES)[number];
/** O, then B/I/L/U for each class: Begin, Inside, Last of a multi-token name, or a Unit (one-token) name. */
export const TAGS: readonly string[] = ['O', ...ENTITY_CLASSES.flatMap((c) => ['B', 'I', 'L', 'U'].map((p) => `${p}-${c}`))];
export const TAG_COUNT = TAGS.length;
/** The row of the transition table used before the first token. */
export const START = TAG_COUNT;

const position = (tag: number) => (tag === 0 ? 'O' : (['B', 'I', 'L', 'U'][(tag - 1) % 4] as string));
const klass = (tag: number) => (tag === 0 ? -1 : Math.floor((tag - 1) / 4));

/** Whether BILOU allows `next` to follow `previous` (START before the first token). */
export function allowed(previous: number, next: number): boolean {
  const open = previous !== START && (position(previous) === 'B' || position(previous) === 'I');
  const p = position(next);
  if (open) return (p === 'I' || p === 'L') && klass(next) === klass(previous);
  return p === 'O' || p === 'B' || p === 'U';
}

/** Tags that may end a sentence: nothing left open. */
export const canEnd = (tag: number) => position(tag) !== 'B' && position(tag) !== 'I';

/**
 * Best valid path through `emissions` (tokens × TAG_COUNT scores) with `transitions` ((TAG_COUNT + 1) ×
 * TAG_COUNT, the last row from START). Tokens marked in `outside` are known to be O (see
 * `NerModel.outsideMask`): the path is fixed there, so the sentence splits into independent stretches
 * between them, and only those are searched.
 */
export function viterbi(emissions: Float64Array, tokens: number, transitions: ArrayLike<number>, outside?: Uint8Array): Int32Array {
  const path = new Int32Array(tokens); // 0 is O
  let from = 0;
  while (from < tokens) {
    if (outside?.[from]) {
      from++;
      continue;
    }
    let to = from;
    while (to < tokens && !outside?.[to]) to++;
    searchStretch(emissions, from, to, to < tokens, transitions, path);
    from = to;
  }
  return path;
}

// Viterbi's tables, reused from call to call: allocating typed arrays per sentence cost more than the search.
let scores = new Float64Array(64 * TAG_COUNT);
let backPointers = new Int32Array(64 * TAG_COUNT);
function scratch(tokens: number): { score: Float64Array; back: Int32Array } {
  if (scores.length < tokens * TAG_COUNT) {
    scores = new Float64Array(tokens * TAG_COUNT * 2);
    backPointers = new Int32Array(tokens * TAG_COUNT * 2);
  }
  return { score: scores, back: backPointers };
}

/** Viterbi over tokens [from, to); before `from` is START or an O, after `to` an O when `followedByO`. */
function searchStretch(
  emissions: Float64Array,
  from: number,
  to: number,
  followedByO: boolean,
  transitions: ArrayLike<number>,
  path: Int32Array,
): void {
  const length = to - from;
  const { score, back } = scratch(length);
  const first = from === 0 ? START : 0;
  for (let y = 0; y < TAG_COUNT; y++) {
    score[y] = allowed(first, y) ? (emissions[from * TAG_COUNT + y] as number) + (transitions[first * TAG_COUNT + y] as number) : -Infinity;
  }
  for (let t = 1; t < length; t++) {
    const previous = (t - 1) * TAG_COUNT;
    const row = (from + t) * TAG_COUNT;
    for (let y = 0; y < TAG_COUNT; y++) {
      let best = -Infinity;
      let arg = 0;
      for (let k = PREVIOUS_START[y] as number; k < (PREVIOUS_START[y + 1] as number); k++) {
        const p = PREVIOUS[k] as number;
        const s = (score[previous + p] as number) + (transitions[p * TAG_COUNT + y] as number);
        if (s > best) {
          best = s;
          arg = p;
        }
      }
      score[t * TAG_COUNT + y] = best + (emissions[row + y] as number);
      back[t * TAG_COUNT + y] = arg;
    }
  }
  let best = -Infinity;
  const last = (length - 1) * TAG_COUNT;
  for (let y = 0; y < TAG_COUNT; y++) {
    if (!canEnd(y)) continue;
    const s = (score[last + y] as number) + (followedByO ? (transitions[y * TAG_COUNT] as number) : 0);
    if (s > best) {
      best = s;
      path[to - 1] = y;
    }
  }
  for (let t = length - 1; t > 0; t--) path[from + t - 1] = back[t * TAG_COUNT + (path[from + t] as number)] as number;
}

/** For each tag y, the tags that may precede it: PREVIOUS[PREVIOUS_START[y] .. PREVIOUS_START[y + 1]). */
const PREVIOUS_LISTS = Array.from({ length: TAG_COUNT }, (_, y) =>
  Array.from({ length: TAG_COUNT }, (_, p) => p).filter((p) => allowed(p, y)),
);
const PREVIOUS = Int32Array.from(PREVIOUS_LISTS.flat());
const PREVIOUS_START = Int32Array.from([0, ...PREVIOUS_LISTS.map((_, y) => PREVIOUS_LISTS.slice(0, y + 1).flat().length)]);

/** Entity spans in a tag path, as token ranges (end exclusive). */
export function spansOf(path: ArrayLike<number>): Array<{ type: EntityClass; from: number; to: number }> {
  const spans: Array<{ type: EntityClass; from: number; to: number }> = [];
  let from = -1;
  for (let t = 0; t < path.length; t++) {
    const tag = path[t] as number;
    const p = position(tag);
    if (p === 'B') from = t;
    else if (p === 'U') spans.push({ type: ENTITY_CLASSES[klass(tag)] as EntityClass, from: t, to: t + 1 });
    else if (p === 'L' && from >= 0) {
      spans.push({ type: ENTITY_CLASSES[klass(tag)] as EntityClass, from, to: t + 1 });
      from = -1;
    }
  }
  return spans;
}

/**
 * Feature rows by kind and value: "w=Kyiv" is kind "w", value "Kyiv" (kinds never contain "=", so "w=="
 * is the word "="); names without "=" ("b", "caps") stand alone. The tagger looks features up by kind and
 * value, so no name is built per token; the plain path and training use whole names.
 */
export class FeatureIndex {
  readonly singles = new Map<string, number>();
  private readonly kinds = new Map<string, Map<string, number>>();
  size = 0;

  static from(entries: Iterable<[string, number]>): FeatureIndex {
    const index = new FeatureIndex();
    for (const [name, row] of entries) index.set(name, row);
    return index;
  }

  set(name: string, row: number): void {
    const equals = name.indexOf('=');
    if (equals === -1) {
      if (!this.singles.has(name)) this.size++;
      this.singles.set(name, row);
      return;
    }
    const values = this.kind(name.slice(0, equals), true);
    const value = name.slice(equals + 1);
    if (!values.has(value)) this.size++;
    values.set(value, row);
  }

  get(name: string): number | undefined {
    const equals = name.indexOf('=');
    return equals === -1 ? this.singles.get(name) : this.kinds.get(name.slice(0, equals))?.get(name.slice(equals + 1));
  }

  /** The rows of one kind by value (an empty map for a kind the model lacks). */
  kind(kind: string, create = false): Map<string, number> {
    let values = this.kinds.get(kind);
    if (!values) {
      values = new Map();
      if (create) this.kinds.set(kind, values);
    }
    return values;
  }

  *entries(): IterableIterator<[string, number]> {
    yield* this.singles;
    for (const [kind, values] of this.kinds) for (const [value, row] of values) yield [`${kind}=${value}`, row];
  }
}

/**
 * Trained weights. On disk (gzip): a JSON header line `{"tags", "transitions", "scale", "uncapitalisedInNames"}`, then one
 * line per feature, `name\tw0 w1 …` as integers to divide by `scale` (zeros kept short as empty fields).
 */
export class NerModel {
  private constructor(
    readonly index: FeatureIndex,
    private readonly weights: Float32Array,
    readonly transitions: Float32Array,
    /**
     * The words without a capital letter that the training data has inside names ("of", "de", "van",
     * "04"). Any other word without a capital ("said", "the", "2,000", ",") is taken as O outside a
     * sentence in capitals, without asking the weights: the tagger almost never names such a word (CoNLL
     * dev F1 0.916 without this shortcut, 0.915 with). Most tokens of an article are such words.
     */
    private readonly uncapitalisedInNames: ReadonlySet<string>,
  ) {}

  static fromWeights(
    index: Map<string, number>,
    weights: Float32Array,
    transitions: Float32Array,
    uncapitalisedInNames: ReadonlySet<string>,
  ): NerModel {
    return new NerModel(FeatureIndex.from(index), weights, transitions, uncapitalisedInNames);
  }

  /** Whether `word`, outside a sentence in capitals, is O whatever the weights say (see `uncapitalisedInNames`). */
  isOutsideNames(word: string): boolean {
    return word === word.toLowerCase() && !this.uncapitalisedInNames.has(word);
  }

  /** Which tokens are known to be O; none in a sentence in capitals. */
  outsideMask(words: readonly string[], caps: boolean): Uint8Array {
    const mask = new Uint8Array(words.length);
    if (caps) return mask;
    for (let i = 0; i < words.length; i++) if (this.isOutsideNames(words[i] as string)) mask[i] = 1;
    return mask;
  }

  static load(path: string): NerModel {
    const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
    const header = JSON.parse(lines[0] as string) as {
      tags: string[];
      transitions: number[];
      scale: number;
      uncapitalisedInNames: string[];
    };
    if (header.tags.join() !== TAGS.join()) throw new Error(`NER model at ${path} was trained for other tags: ${header.tags.join()}`);
    const index = new FeatureIndex();
    const weights = new Float32Array((lines.length - 1) * TAG_COUNT);
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      if (!line) continue;
      const tab = line.lastIndexOf('\t');
      const row = index.size;
      index.set(line.slice(0, tab), row);
      // Integers separated by spaces, empty for zero: read digit by digit (split and Number cost a third of the load).
      let y = 0;
      let value = 0;
      let negative = false;
      for (let at = tab + 1; at <= line.length; at++) {
        const c = at < line.length ? line.charCodeAt(at) : 32;
        if (c === 32) {
          if (value !== 0) weights[row * TAG_COUNT + y] = (negative ? -value : value) / header.scale;
          y++;
          value = 0;
          negative = false;
        } else if (c === 45) negative = true;
        else value = value * 10 + (c - 48);
      }
    }
    return new NerModel(index, weights, Float32Array.from(header.transitions), new Set(header.uncapitalisedInNames));
  }

  /** The gzip file `load` reads. */
  serialize(scale = 1000): string {
    const transitions = Array.from(this.transitions, (v) => Math.round(v * 1e4) / 1e4);
    const lines = [JSON.stringify({ tags: TAGS, transitions, scale, uncapitalisedInNames: [...this.uncapitalisedInNames].sort() })];
    for (const [name, row] of this.index.entries()) {
      const values: string[] = [];
      let any = false;
      for (let y = 0; y < TAG_COUNT; y++) {
        const v = Math.round((this.weights[row * TAG_COUNT + y] as number) * scale);
        values.push(v === 0 ? '' : String(v));
        any ||= v !== 0;
      }
      // Names never contain tabs or newlines: words are split on whitespace.
      if (any) lines.push(`${name}\t${values.join(' ')}`);
    }
    return lines.join('\n');
  }

  /** Feature names with their rows (for indexes built over the model, e.g. NerTagger's word pairs). */
  features(): IterableIterator<[string, number]> {
    return this.index.entries();
  }

  /** Adds the weights of feature `name` to row `token` of `emissions` (tokens × TAG_COUNT). */
  addTo(name: string, emissions: Float64Array, token: number): void {
    const row = this.index.get(name);
    if (row !== undefined) this.addRow(row, emissions, token);
  }

  /** Adds the weights in `row` to row `token` of `emissions`. */
  addRow(row: number, emissions: Float64Array, token: number): void {
    const base = row * TAG_COUNT;
    const out = token * TAG_COUNT;
    for (let y = 0; y < TAG_COUNT; y++) emissions[out + y] = (emissions[out + y] as number) + (this.weights[base + y] as number);
  }

  /** Adds the weights in `row` to `vector` from index `offset` on (one score per tag). */
  addRowAt(row: number, vector: Float64Array, offset: number): void {
    const base = row * TAG_COUNT;
    for (let y = 0; y < TAG_COUNT; y++) vector[offset + y] = (vector[offset + y] as number) + (this.weights[base + y] as number);
  }

  /** The summed weights of a group of features, one score per tag. */
  sum(names: readonly string[]): Float64Array {
    const total = new Float64Array(TAG_COUNT);
    for (const name of names) this.addTo(name, total, 0);
    return total;
  }

  /** Best tags for a sentence given every token's feature names (the plain path; NerTagger is the fast one). */
  tag(features: readonly string[][], outside?: Uint8Array): Int32Array {
    const emissions = new Float64Array(features.length * TAG_COUNT);
    features.forEach((names, t) => {
      for (const name of names) this.addTo(name, emissions, t);
    });
    return viterbi(emissions, features.length, this.transitions, outside);
  }
}
