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
import { casedFor } from './casing.js';
import type { WordClusters } from './clusters.js';
import {
  CLUSTER_KINDS,
  contextFeatures,
  historyFeatureValue,
  letterCase,
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
import type { NameHistory } from './history.js';
import { type NerModel, TAG_COUNT, TAGS, viterbi } from './model.js';

const PREFIX_KINDS = ['', 'p1', 'p2', 'p3', 'p4'];
const LENGTHS = ['0', '1', '2', '3', '4', '5', '6', '7', '8'];
const SUFFIX_KINDS = ['', 's1', 's2', 's3', 's4'];

/** Words remembered before the cache starts over; news vocabularies stay well under this. */
const CACHE_WORDS = 200_000;
/** Roles a word's vector covers, in this order: itself, then as the neighbour at each distance. */
const ROLES = [0, ...NEIGHBOURS];
const VECTOR_SIZE = ROLES.length * TAG_COUNT;
/** Words whose vectors one slab holds (about 2.8 MB). */
const SLAB_WORDS = 4_096;
const NEIGHBOUR_OFFSETS = NEIGHBOURS.map((d) => ROLES.indexOf(d) * TAG_COUNT);
/** Shape triples are keyed by three small shape numbers packed into one: 10 bits each. */
const SHAPE_BITS = 10;
const tripleKey = (a: number, b: number, c: number) => (a << (2 * SHAPE_BITS)) | (b << SHAPE_BITS) | c;

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
  /** Whether it starts with an upper-case letter (for `historyValue`). */
  startsUpper: boolean;
  outsideNames: boolean;
  /**
   * Its summed weights per role: in which of the tagger's slabs and where they start, in ordinary and in
   * capitalised sentences (undefined until first needed).
   */
  vectorSlab: Float64Array | undefined;
  vectorAt: number;
  capsSlab: Float64Array | undefined;
  capsVectorAt: number;
  /** Whether the word's own role is filled in: 1 in ordinary sentences, 2 in capitalised ones. */
  selfFilled: number;
  /** Whether it has a "|", which feature names use between words. */
  hasBar: boolean;
  /** The rows of the word pairs it starts ("l-1|l=" with it before, "l|l+1=" with it first), found once. */
  pairsAsBefore: Map<string, number> | undefined;
  pairsAsFirst: Map<string, number> | undefined;
}

/** Rows of the features keyed by a word's lower case, in this order (-1: none): one lookup for six. */
const LOWER_KINDS = ['l', 'caps|l', ...NEIGHBOURS.map((d) => `l${d > 0 ? '+' : ''}${d}`)];

/** The model's features of one kind ("w", "p3", "l-1"…) by value: looked up without building "kind=value". */
type KindIndex = Map<string, number>;

export class NerTagger {
  private readonly words = new Map<string, WordInfo>();
  private readonly byLower = new Map<string, Int32Array>();
  private readonly infos: WordInfo[] = [];
  /**
   * Words' role vectors, side by side in slabs of SLAB_WORDS (a typed array per word made garbage collection a
   * tenth of the time; one slab grown by copying cost more than the lookups): the one being filled.
   */
  private slab = new Float64Array(SLAB_WORDS * VECTOR_SIZE);
  private slabUsed = 0;
  /** The kinds the tagger looks features up in, found once. */
  private readonly k: Record<'w' | 'sh' | 'len' | 'shBefore' | 'shAfter' | 'first' | 'g' | 'gBefore' | 'gAfter', KindIndex> & {
    prefixes: KindIndex[];
    suffixes: KindIndex[];
    clusters: KindIndex[];
  };
  private readonly pairsBefore: PairIndex = new Map();
  private readonly pairsAfter: PairIndex = new Map();
  private readonly shapeIds = new Map<string, number>();
  /** Rows of the history features by tag id: `h=<tag>` at 2 × id, `h=<tag>|r` at 2 × id + 1 (-1: none). */
  private readonly historyRows = new Int32Array(TAG_COUNT * 2).fill(-1);
  private readonly shapeTriples = new Map<number, number>();
  private start: WordInfo;
  private emissions = new Float64Array(64 * TAG_COUNT);
  private end: WordInfo;

  constructor(
    private readonly model: NerModel,
    private readonly gazetteer: Gazetteer,
    private readonly clusters: WordClusters,
    /** Words remembered before the cache starts over. */
    private readonly cacheWords = CACHE_WORDS,
  ) {
    // Word pairs and shape triples: nested maps keyed by their words and shapes.
    for (const [prefix, index] of [
      [PAIR_BEFORE, this.pairsBefore],
      [PAIR_AFTER, this.pairsAfter],
    ] as const) {
      for (const [pair, row] of model.index.kind(prefix.slice(0, -1))) {
        const words = pair.split('|');
        // A word with "|" in it makes the pair ambiguous; such tokens take the plain path (see tag).
        if (words.length !== 2) continue;
        const [first, second] = words as [string, string];
        let inner = index.get(first);
        if (!inner) {
          inner = new Map<string, number>();
          index.set(first, inner);
        }
        inner.set(second, row);
      }
    }
    for (const [shapes, row] of model.index.kind(SHAPES.slice(0, -1))) this.indexShapeTriple(shapes.split('|'), row);
    LOWER_KINDS.forEach((name, slot) => {
      for (const [value, row] of model.index.kind(name)) {
        let rows = this.byLower.get(value);
        if (!rows) {
          rows = new Int32Array(LOWER_KINDS.length).fill(-1);
          this.byLower.set(value, rows);
        }
        rows[slot] = row;
      }
    });
    const kind = (name: string) => model.index.kind(name);
    this.k = {
      w: kind('w'),
      sh: kind('sh'),
      len: kind('len'),
      prefixes: PREFIX_KINDS.map(kind),
      suffixes: SUFFIX_KINDS.map(kind),
      clusters: CLUSTER_KINDS.map(kind),
      shBefore: kind('sh-1'),
      shAfter: kind('sh+1'),
      first: kind('first|sh'),
      g: kind('g'),
      gBefore: kind('g-1'),
      gAfter: kind('g+1'),
    };
    TAGS.forEach((tag, id) => {
      this.historyRows[id * 2] = model.index.get(`h=${historyFeatureValue(tag, false)}`) ?? -1;
      this.historyRows[id * 2 + 1] = model.index.get(`h=${historyFeatureValue(tag, true)}`) ?? -1;
    });
    this.start = this.info(SENTENCE_START);
    this.end = this.info(SENTENCE_END);
  }

  /**
   * Best tags for a sentence. With a `history` (one per text), the tagger reads what it said about the words
   * in the text's earlier sentences and records this sentence's names in it.
   */
  tag(words: readonly string[], history?: NameHistory): Int32Array {
    const n = words.length;
    if (this.words.size >= this.cacheWords) this.forget();
    // Scratch lists reused from sentence to sentence: the tagger is called for every sentence.
    const infos = this.infos;
    infos.length = n;
    let capitalised = 0;
    let lowerCase = false;
    for (let i = 0; i < n; i++) {
      const info = this.info(words[i] as string);
      infos[i] = info;
      lowerCase ||= info.hasLower;
      if (info.hasUpper) capitalised++;
    }
    const caps = !lowerCase && capitalised >= 2; // as features.isAllCaps
    const outside = new Uint8Array(n);
    if (!caps) for (let i = 0; i < n; i++) outside[i] = (infos[i] as WordInfo).outsideNames ? 1 : 0;
    const hits = this.gazetteer.features(words);
    let view: SentenceView | undefined; // for the plain path only, built when a token needs it
    // A word's vectors are found when a token needs them: its own role only when it is scored, its neighbour
    // roles only beside a scored token (most tokens are O for sure, and so are most of their neighbours).
    const start = this.vectorOf(this.start, SENTENCE_START, caps, false);
    const end = this.vectorOf(this.end, SENTENCE_END, caps, false);
    const emissions = this.emissionsFor(n);
    for (let i = 0; i < n; i++) {
      if (outside[i]) continue; // its tag is O whatever the weights say, and Viterbi never reads its row
      const out = i * TAG_COUNT;
      const self = infos[i] as WordInfo;
      const at = this.vectorOf(self, words[i] as string, caps, true);
      copy(emissions, out, (caps ? self.capsSlab : self.vectorSlab) as Float64Array, at);
      for (let k = 0; k < NEIGHBOURS.length; k++) {
        const j = i + (NEIGHBOURS[k] as number);
        const other = j < 0 ? this.start : j >= n ? this.end : (infos[j] as WordInfo);
        const from = j < 0 ? start : j >= n ? end : this.vectorOf(other, words[j] as string, caps, false);
        add(emissions, out, (caps ? other.capsSlab : other.vectorSlab) as Float64Array, from + (NEIGHBOUR_OFFSETS[k] as number));
      }
      const info = infos[i] as WordInfo;
      const before = i > 0 ? (infos[i - 1] as WordInfo) : this.start;
      const after = i + 1 < n ? (infos[i + 1] as WordInfo) : this.end;
      // Words with "|" in them cannot be split back out of a feature name: those tokens take the plain path.
      const plain = info.hasBar || before.hasBar || after.hasBar;
      if (plain) {
        view ??= {
          words,
          caps,
          lower: infos.map((x) => x.lower),
          shapes: infos.map((x) => x.shape),
          gazetteer: hits,
          earlier: history && words.map((w) => history.tagOf(casedFor(w, caps))),
        };
        for (const name of contextFeatures(view, i)) this.model.addTo(name, emissions, i);
        continue;
      }
      // contextFeatures(view, i, true), looked up by kind.
      if (i === 0) this.addKind(this.k.first, caps ? `C${info.shape}` : info.shape, emissions, i);
      for (const g of hits[i] as string[]) this.addKind(this.k.g, g, emissions, i);
      if (i > 0) for (const g of hits[i - 1] as string[]) this.addKind(this.k.gBefore, g, emissions, i);
      if (i + 1 < n) for (const g of hits[i + 1] as string[]) this.addKind(this.k.gAfter, g, emissions, i);
      const earlier = history ? history.tagIdOf(caps ? casedFor(words[i] as string, caps) : (words[i] as string)) : -1;
      if (earlier !== -1) {
        // historyValue(tag, words, i), its row found by tag id and whether a capitalised word stands beside.
        const beside = before.startsUpper || after.startsUpper;
        const row = this.historyRows[earlier * 2 + (beside ? 1 : 0)] as number;
        if (row !== -1) this.model.addRow(row, emissions, i);
      }
      const rowBefore = before.pairsAsBefore?.get(info.lower);
      if (rowBefore !== undefined) this.model.addRow(rowBefore, emissions, i);
      const rowAfter = info.pairsAsFirst?.get(after.lower);
      if (rowAfter !== undefined) this.model.addRow(rowAfter, emissions, i);
      const middle = caps ? info.capsMiddleShapeId : info.shapeId;
      if (before.shapeId !== undefined && middle !== undefined && after.shapeId !== undefined) {
        const rowShapes = this.shapeTriples.get(tripleKey(before.shapeId, middle, after.shapeId));
        if (rowShapes !== undefined) this.model.addRow(rowShapes, emissions, i);
      }
    }
    const path = viterbi(emissions, n, this.model.transitions, outside);
    history?.record(words, path, caps);
    return path;
  }

  /** Starts the word cache over (between sentences, so no word of the one being tagged points into the old slab). */
  private forget(): void {
    this.words.clear();
    this.slab = new Float64Array(SLAB_WORDS * VECTOR_SIZE);
    this.slabUsed = 0;
    this.start = this.info(SENTENCE_START);
    this.end = this.info(SENTENCE_END);
  }

  /** A scores table for n tokens, reused from sentence to sentence (allocating one each time is slow). */
  private emissionsFor(n: number): Float64Array {
    if (this.emissions.length < n * TAG_COUNT) this.emissions = new Float64Array(n * TAG_COUNT * 2);
    return this.emissions;
  }

  private info(word: string): WordInfo {
    let info = this.words.get(word);
    if (info) return info;
    // The sentence markers go through here too; they are lower case already and none of the flags matter.
    const wordShape = shape(word);
    const lower = word.toLowerCase();
    info = {
      lower,
      shape: wordShape,
      shapeId: this.shapeIds.get(wordShape),
      capsMiddleShapeId: this.shapeIds.get(`C${wordShape}`),
      ...letterCases(word),
      startsUpper: letterCase(word) === 'upper',
      outsideNames: word === lower && this.model.isOutsideNames(word),
      pairsAsBefore: this.pairsBefore.get(lower),
      pairsAsFirst: this.pairsAfter.get(lower),
      vectorSlab: undefined,
      vectorAt: -1,
      capsSlab: undefined,
      capsVectorAt: -1,
      selfFilled: 0,
      hasBar: lower.includes('|'),
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

  private addRow(vector: Float64Array, offset: number, row: number | undefined): void {
    if (row !== undefined && row >= 0) this.model.addRowAt(row, vector, offset);
  }

  /** Adds the weights of a feature without a value ("b", "caps", "fn", "fn-1"). */
  private addSingle(vector: Float64Array, offset: number, name: string): void {
    const row = this.model.index.singles.get(name);
    if (row !== undefined) this.model.addRowAt(row, vector, offset);
  }

  /** Adds the weights of the word's cluster at each level (`wordFeatures`). */
  private addClusters(vector: Float64Array, offset: number, word: string): void {
    const prefixes = this.clusters.prefixes(word);
    for (let level = 0; level < prefixes.length; level++)
      this.add(vector, offset, this.k.clusters[level] as KindIndex, prefixes[level] as string);
  }

  /** Adds the features of the word itself (`wordFeatures`) to its vector at `at`. */
  private fillSelf(info: WordInfo, word: string, caps: boolean, at: number): void {
    const vector = (caps ? info.capsSlab : info.vectorSlab) as Float64Array;
    const lowerRows = this.byLower.get(word === SENTENCE_START || word === SENTENCE_END ? word : info.lower);
    if (word === SENTENCE_START || word === SENTENCE_END) {
      // The markers stand only as neighbours; as words they are never tagged.
      for (const name of wordFeatures(word, caps, this.gazetteer, this.clusters))
        this.model.addTo(name, vector.subarray(at, at + VECTOR_SIZE), 0);
    } else {
      const w = casedFor(word, caps);
      const lw = info.lower;
      const { k } = this;
      this.addSingle(vector, at, 'b');
      this.add(vector, at, k.w, w);
      this.addRow(vector, at, lowerRows?.[0]);
      this.add(vector, at, k.sh, caps ? `C${info.shape}` : info.shape);
      this.add(vector, at, k.len, LENGTHS[Math.min(lw.length, 8)] as string);
      for (let n = 1; n <= 4 && n < w.length; n++) {
        this.add(vector, at, k.prefixes[n] as KindIndex, w.slice(0, n));
        this.add(vector, at, k.suffixes[n] as KindIndex, lw.slice(-n));
      }
      if (caps) {
        this.addSingle(vector, at, 'caps');
        this.addRow(vector, at, lowerRows?.[1]);
      }
      if (this.gazetteer.isFirstName(w)) this.addSingle(vector, at, 'fn');
      this.addClusters(vector, at, w);
    }
  }

  /**
   * The word's summed weights in every role, for ordinary or capitalised sentences: `wordFeatures` and
   * `neighbourFeatures` (features.ts) looked up kind by kind, without building their names (a test checks
   * that the tags are the same).
   */
  private vectorOf(info: WordInfo, word: string, caps: boolean, withSelf: boolean): number {
    const cached = caps ? info.capsVectorAt : info.vectorAt;
    const selfBit = caps ? 2 : 1;
    if (cached >= 0) {
      if (withSelf && !(info.selfFilled & selfBit)) {
        this.fillSelf(info, word, caps, cached);
        info.selfFilled |= selfBit;
      }
      return cached;
    }
    if (this.slabUsed + VECTOR_SIZE > this.slab.length) {
      // A new slab; the full ones stay with the words whose vectors they hold.
      this.slab = new Float64Array(SLAB_WORDS * VECTOR_SIZE);
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    this.slabUsed += VECTOR_SIZE;
    const vector = this.slab; // this word's vector: [at, at + VECTOR_SIZE), zero
    if (caps) info.capsSlab = vector;
    else info.vectorSlab = vector;
    // "l=", "caps|l=" and the four neighbour features of the lower case: one lookup (the markers are theirs).
    const lowerRows = this.byLower.get(word === SENTENCE_START || word === SENTENCE_END ? word : info.lower);
    if (withSelf) {
      this.fillSelf(info, word, caps, at);
      info.selfFilled |= selfBit;
    }
    for (let n = 0; n < NEIGHBOURS.length; n++) {
      const d = NEIGHBOURS[n] as number;
      const offset = at + (NEIGHBOUR_OFFSETS[n] as number);
      this.addRow(vector, offset, lowerRows?.[2 + n]);
      if (d === -1 || d === 1) this.add(vector, offset, d > 0 ? this.k.shAfter : this.k.shBefore, info.shape);
      if (d === -1 && this.gazetteer.isFirstName(casedFor(word, caps))) this.addSingle(vector, offset, 'fn-1');
    }
    if (caps) info.capsVectorAt = at;
    else info.vectorAt = at;
    return at;
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

function copy(emissions: Float64Array, out: number, vector: Float64Array, from: number): void {
  for (let y = 0; y < TAG_COUNT; y++) emissions[out + y] = vector[from + y] as number;
}

function add(emissions: Float64Array, out: number, vector: Float64Array, from: number): void {
  for (let y = 0; y < TAG_COUNT; y++) emissions[out + y] = (emissions[out + y] as number) + (vector[from + y] as number);
}

/** Whether a word has a lower-case and an upper-case letter: ASCII by code, other scripts by Unicode class. */
function letterCases(word: string): { hasLower: boolean; hasUpper: boolean } {
  let hasLower = false;
  let hasUpper = false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 97 && c <= 122) hasLower = true;
    else if (c >= 65 && c <= 90) hasUpper = true;
    else if (c >= 128) return { hasLower: /\p{Ll}/u.test(word), hasUpper: /\p{Lu}/u.test(word) };
  }
  return { hasLower, hasUpper };
}
