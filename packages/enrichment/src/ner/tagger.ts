/**
 * Tags sentences with the trained model, fast, with exactly the result of
 * `NerModel.tag(sentenceFeatures(…), outsideMask)` (a test checks this). What makes it fast:
 * - Most features depend on one word only: the token itself or a neighbour at a fixed distance. Their summed
 *   weights are cached per word, one vector per role (itself, two before, one before, one after, two after),
 *   with the word's lower case and shape, so a repeated word costs one lookup.
 * - Word pairs and shape triples are found through maps keyed by those cached strings and by shape numbers,
 *   not by building and hashing a new feature name per token.
 * - Tokens known to be O (`NerModel.isOutsideNames`) get no scores at all, and Viterbi skips them.
 */
import {
  casedFor,
  contextFeatures,
  NEIGHBOURS,
  PAIR_AFTER,
  PAIR_BEFORE,
  SENTENCE_END,
  SENTENCE_START,
  type SentenceView,
  SHAPES,
  shape,
  wordFeatures,
} from './features.js';
import type { Gazetteer } from './gazetteer.js';
import { type NerModel, TAG_COUNT, viterbi } from './model.js';

const PREFIX_KINDS = ['', 'p1', 'p2', 'p3', 'p4'];
const LENGTHS = ['0', '1', '2', '3', '4', '5', '6', '7', '8'];
const SUFFIX_KINDS = ['', 's1', 's2', 's3', 's4'];
const NEIGHBOUR_KINDS = NEIGHBOURS.map((d) => `l${d > 0 ? '+' : ''}${d}`);

/** Words remembered before the cache starts over; news vocabularies stay well under this. */
const CACHE_WORDS = 200_000;
/** Roles a word's vector covers, in this order: itself, then as the neighbour at each distance. */
const ROLES = [0, ...NEIGHBOURS];
const NEIGHBOUR_OFFSETS = NEIGHBOURS.map((d) => ROLES.indexOf(d) * TAG_COUNT);
/** Shape triples are keyed by three small shape numbers packed into one: 10 bits each. */
const SHAPE_BITS = 10;
const tripleKey = (a: number, b: number, c: number) => (a * 2 ** SHAPE_BITS + b) * 2 ** SHAPE_BITS + c;

type PairIndex = Map<string, Map<string, number>>;

/** What the tagger remembers about a word. */
interface WordInfo {
  lower: string;
  shape: string;
  /** Shape numbers in a triple; in the middle of a capitalised sentence the shape is marked ("CXx"). */
  shapeId: number | undefined;
  capsMiddleShapeId: number | undefined;
  hasLower: boolean;
  hasUpper: boolean;
  outsideNames: boolean;
  /** Summed weights per role, in ordinary and in capitalised sentences (filled when first needed). */
  vector?: Float64Array;
  capsVector?: Float64Array;
}

/** The model's features of one kind ("w", "p3", "l-1"…) by value: looked up without building "kind=value". */
type KindIndex = Map<string, number>;
const NO_ROWS: KindIndex = new Map();

export class NerTagger {
  private readonly words = new Map<string, WordInfo>();
  private readonly kinds = new Map<string, KindIndex>();
  /** Features without a value: "b" (bias), "caps", "fn", "fn-1". */
  private readonly singles = new Map<string, number>();
  /** The kinds the tagger looks features up in, found once. */
  private readonly k: Record<
    'w' | 'l' | 'sh' | 'len' | 'capsL' | 'shBefore' | 'shAfter' | 'first' | 'g' | 'gBefore' | 'gAfter',
    KindIndex
  > & {
    prefixes: KindIndex[];
    suffixes: KindIndex[];
    neighbours: KindIndex[];
  };
  private readonly pairsBefore: PairIndex = new Map();
  private readonly pairsAfter: PairIndex = new Map();
  private readonly shapeIds = new Map<string, number>();
  private readonly shapeTriples = new Map<number, number>();
  private readonly start: WordInfo;
  private emissions = new Float64Array(64 * TAG_COUNT);
  private readonly end: WordInfo;

  constructor(
    private readonly model: NerModel,
    private readonly gazetteer: Gazetteer,
  ) {
    for (const [name, row] of model.features()) {
      const equals = name.indexOf('=');
      if (equals === -1) this.singles.set(name, row);
      else {
        // Kinds never contain "=", so the first one ends the kind ("w==" is the word "=").
        const kind = name.slice(0, equals);
        let index = this.kinds.get(kind);
        if (!index) {
          index = new Map();
          this.kinds.set(kind, index);
        }
        index.set(name.slice(equals + 1), row);
      }
      if (name.startsWith(SHAPES)) this.indexShapeTriple(name.slice(SHAPES.length).split('|'), row);
      const [prefix, index] = name.startsWith(PAIR_BEFORE)
        ? [PAIR_BEFORE, this.pairsBefore]
        : name.startsWith(PAIR_AFTER)
          ? [PAIR_AFTER, this.pairsAfter]
          : [];
      if (!prefix || !index) continue;
      const words = name.slice(prefix.length).split('|');
      // A word with "|" in it makes the pair ambiguous; such tokens take the plain path (see tag).
      if (words.length !== 2) continue;
      const [first, second] = words as [string, string];
      const inner = index.get(first) ?? new Map<string, number>();
      inner.set(second, row);
      index.set(first, inner);
    }
    const kind = (name: string) => this.kinds.get(name) ?? NO_ROWS;
    this.k = {
      w: kind('w'),
      l: kind('l'),
      sh: kind('sh'),
      len: kind('len'),
      prefixes: PREFIX_KINDS.map(kind),
      suffixes: SUFFIX_KINDS.map(kind),
      capsL: kind('caps|l'),
      neighbours: NEIGHBOUR_KINDS.map(kind),
      shBefore: kind('sh-1'),
      shAfter: kind('sh+1'),
      first: kind('first|sh'),
      g: kind('g'),
      gBefore: kind('g-1'),
      gAfter: kind('g+1'),
    };
    this.start = this.info(SENTENCE_START);
    this.end = this.info(SENTENCE_END);
  }

  tag(words: readonly string[]): Int32Array {
    const n = words.length;
    const infos = words.map((w) => this.info(w));
    let capitalised = 0;
    let lowerCase = false;
    for (const info of infos) {
      lowerCase ||= info.hasLower;
      if (info.hasUpper) capitalised++;
    }
    const caps = !lowerCase && capitalised >= 2; // as features.isAllCaps
    const outside = new Uint8Array(n);
    if (!caps) for (let i = 0; i < n; i++) outside[i] = (infos[i] as WordInfo).outsideNames ? 1 : 0;
    const view: SentenceView = {
      words,
      caps,
      lower: infos.map((info) => info.lower),
      shapes: infos.map((info) => info.shape),
      gazetteer: this.gazetteer.features(words),
    };
    const vectors = infos.map((info, i) => this.vectorOf(info, words[i] as string, caps));
    const start = this.vectorOf(this.start, SENTENCE_START, caps);
    const end = this.vectorOf(this.end, SENTENCE_END, caps);
    const emissions = this.emissionsFor(n);
    for (let i = 0; i < n; i++) {
      if (outside[i]) continue; // its tag is O whatever the weights say, and Viterbi never reads its row
      const out = i * TAG_COUNT;
      copy(emissions, out, vectors[i] as Float64Array);
      for (let k = 0; k < NEIGHBOURS.length; k++) {
        const j = i + (NEIGHBOURS[k] as number);
        add(emissions, out, j < 0 ? start : j >= n ? end : (vectors[j] as Float64Array), NEIGHBOUR_OFFSETS[k] as number);
      }
      const info = infos[i] as WordInfo;
      const before = i > 0 ? (infos[i - 1] as WordInfo) : this.start;
      const after = i + 1 < n ? (infos[i + 1] as WordInfo) : this.end;
      // Words with "|" in them cannot be split back out of a feature name: those tokens take the plain path.
      const plain = info.lower.includes('|') || before.lower.includes('|') || after.lower.includes('|');
      if (plain) {
        for (const name of contextFeatures(view, i)) this.model.addTo(name, emissions, i);
        continue;
      }
      // contextFeatures(view, i, true), looked up by kind.
      if (i === 0) this.addKind(this.k.first, caps ? `C${info.shape}` : info.shape, emissions, i);
      const hits = view.gazetteer;
      for (const g of hits[i] as string[]) this.addKind(this.k.g, g, emissions, i);
      if (i > 0) for (const g of hits[i - 1] as string[]) this.addKind(this.k.gBefore, g, emissions, i);
      if (i + 1 < n) for (const g of hits[i + 1] as string[]) this.addKind(this.k.gAfter, g, emissions, i);
      const rowBefore = this.pairsBefore.get(before.lower)?.get(info.lower);
      if (rowBefore !== undefined) this.model.addRow(rowBefore, emissions, i);
      const rowAfter = this.pairsAfter.get(info.lower)?.get(after.lower);
      if (rowAfter !== undefined) this.model.addRow(rowAfter, emissions, i);
      const middle = caps ? info.capsMiddleShapeId : info.shapeId;
      if (before.shapeId !== undefined && middle !== undefined && after.shapeId !== undefined) {
        const rowShapes = this.shapeTriples.get(tripleKey(before.shapeId, middle, after.shapeId));
        if (rowShapes !== undefined) this.model.addRow(rowShapes, emissions, i);
      }
    }
    return viterbi(emissions, n, this.model.transitions, outside);
  }

  /** A scores table for n tokens, reused from sentence to sentence (allocating one each time is slow). */
  private emissionsFor(n: number): Float64Array {
    if (this.emissions.length < n * TAG_COUNT) this.emissions = new Float64Array(n * TAG_COUNT * 2);
    return this.emissions;
  }

  private info(word: string): WordInfo {
    let info = this.words.get(word);
    if (info) return info;
    if (this.words.size >= CACHE_WORDS) this.words.clear();
    // The sentence markers go through here too; they are lower case already and none of the flags matter.
    const wordShape = shape(word);
    info = {
      lower: word.toLowerCase(),
      shape: wordShape,
      shapeId: this.shapeIds.get(wordShape),
      capsMiddleShapeId: this.shapeIds.get(`C${wordShape}`),
      hasLower: /\p{Ll}/u.test(word),
      hasUpper: /\p{Lu}/u.test(word),
      outsideNames: this.model.isOutsideNames(word),
    };
    this.words.set(word, info);
    return info;
  }

  private addKind(index: KindIndex, value: string, emissions: Float64Array, token: number): void {
    const row = index.get(value);
    if (row !== undefined) this.model.addRow(row, emissions, token);
  }

  /** Adds the weights of the feature `value` of a kind (`index`) to `vector` from `offset`. */
  private add(vector: Float64Array, offset: number, index: KindIndex, value: string): void {
    const row = index.get(value);
    if (row !== undefined) this.model.addRowAt(row, vector, offset);
  }

  /** Adds the weights of a feature without a value ("b", "caps", "fn", "fn-1"). */
  private addSingle(vector: Float64Array, offset: number, name: string): void {
    const row = this.singles.get(name);
    if (row !== undefined) this.model.addRowAt(row, vector, offset);
  }

  /**
   * The word's summed weights in every role, for ordinary or capitalised sentences: `wordFeatures` and
   * `neighbourFeatures` (features.ts) looked up kind by kind, without building their names (a test checks
   * that the tags are the same).
   */
  private vectorOf(info: WordInfo, word: string, caps: boolean): Float64Array {
    const cached = caps ? info.capsVector : info.vector;
    if (cached) return cached;
    const vector = new Float64Array(ROLES.length * TAG_COUNT);
    if (word === SENTENCE_START || word === SENTENCE_END) {
      // The markers stand only as neighbours; as words they are never tagged.
      for (const name of wordFeatures(word, caps, this.gazetteer)) this.model.addTo(name, vector, 0);
    } else {
      const w = casedFor(word, caps);
      const lw = info.lower;
      const { k } = this;
      this.addSingle(vector, 0, 'b');
      this.add(vector, 0, k.w, w);
      this.add(vector, 0, k.l, lw);
      this.add(vector, 0, k.sh, caps ? `C${info.shape}` : info.shape);
      this.add(vector, 0, k.len, LENGTHS[Math.min(lw.length, 8)] as string);
      for (let n = 1; n <= 4 && n < w.length; n++) {
        this.add(vector, 0, k.prefixes[n] as KindIndex, w.slice(0, n));
        this.add(vector, 0, k.suffixes[n] as KindIndex, lw.slice(-n));
      }
      if (caps) {
        this.addSingle(vector, 0, 'caps');
        this.add(vector, 0, k.capsL, lw);
      }
      if (this.gazetteer.isFirstName(w)) this.addSingle(vector, 0, 'fn');
    }
    const asNeighbour = word === SENTENCE_START || word === SENTENCE_END ? word : info.lower;
    for (let n = 0; n < NEIGHBOURS.length; n++) {
      const d = NEIGHBOURS[n] as number;
      const offset = NEIGHBOUR_OFFSETS[n] as number;
      this.add(vector, offset, this.k.neighbours[n] as KindIndex, asNeighbour);
      if (d === -1 || d === 1) this.add(vector, offset, d > 0 ? this.k.shAfter : this.k.shBefore, info.shape);
      if (d === -1 && this.gazetteer.isFirstName(casedFor(word, caps))) this.addSingle(vector, offset, 'fn-1');
    }
    if (caps) info.capsVector = vector;
    else info.vector = vector;
    return vector;
  }

  private indexShapeTriple(shapes: string[], row: number): void {
    // A shape with "|" in it makes the triple ambiguous, and so does a shape beyond the numbering.
    if (shapes.length !== 3) return;
    const ids = shapes.map((s) => {
      let id = this.shapeIds.get(s);
      if (id === undefined && this.shapeIds.size < 2 ** SHAPE_BITS - 1) {
        id = this.shapeIds.size;
        this.shapeIds.set(s, id);
      }
      return id;
    });
    if (ids.every((id) => id !== undefined)) this.shapeTriples.set(tripleKey(...(ids as [number, number, number])), row);
  }
}

function copy(emissions: Float64Array, out: number, vector: Float64Array): void {
  for (let y = 0; y < TAG_COUNT; y++) emissions[out + y] = vector[y] as number;
}

function add(emissions: Float64Array, out: number, vector: Float64Array, from: number): void {
  for (let y = 0; y < TAG_COUNT; y++) emissions[out + y] = (emissions[out + y] as number) + (vector[from + y] as number);
}
