/**
 * `npm run train:ner`: trains the entity tagger as an averaged structured perceptron on the CoNLL-2003
 * (CoNLL++) training set in ../shared/data, picks the number of passes by F1 on the dev set, and writes
 * data/ner-model.txt.gz. Deterministic: the same data gives the same weights.
 *
 * The history features (what the tagger said about a word earlier in the text, NameHistory) come from the model
 * being trained, its calls on the document's earlier sentences in the same pass, so the weights learn how far
 * to trust the tagger's own earlier calls, mistakes included.
 *
 *   npm run train:ner [-- --epochs 12] [--shuffles 1] [--out path]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type ConllSentence, conllWords, readConllDocuments } from '../eval/conll.js';
import { casedFor } from '../src/ner/casing.js';
import { WordClusters, wordClustersPath } from '../src/ner/clusters.js';
import { historyValue, isAllCaps, sentenceFeatures } from '../src/ner/features.js';
import { Gazetteer } from '../src/ner/gazetteer.js';
import { NameHistory } from '../src/ner/history.js';
import { ENTITY_CLASSES, NerModel, START, spansOf, TAG_COUNT, TAGS, viterbi } from '../src/ner/model.js';
import { seededShuffler } from '../src/seeded-shuffle.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '15' },
    shuffles: { type: 'string', default: '3' },
    data: { type: 'string', default: join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'conll2003pp') },
    out: { type: 'string', default: join(import.meta.dirname, '..', 'data', 'ner-model.txt.gz') },
  },
});
const maxEpochs = Number(values.epochs);

interface Example {
  words: string[];
  caps: boolean;
  features: Int32Array[];
  gold: Int32Array;
}

const gazetteer = new Gazetteer();
const clusters = WordClusters.load(wordClustersPath());
const featureIndex = new Map<string, number>();
/** The history features (`h=ORG`…): found per pass from the model's own calls, so their ids are fixed up front. */
const historyIds = new Map(
  TAGS.slice(1)
    .flatMap((tag) => [tag, `${tag}|r`])
    .map((value, id) => [value, id]),
);
for (const [value, id] of historyIds) featureIndex.set(`h=${value}`, id);

/** CoNLL sentences as feature ids and BILOU tag ids; `grow` adds unseen features (training data only). */
function load(sentences: ConllSentence[], grow: boolean): Example[] {
  return sentences.map((sentence) => {
    const words = conllWords(sentence);
    const gold = new Int32Array(words.length);
    for (const { type, from, to } of sentence.gold) {
      const base = 1 + 4 * ENTITY_CLASSES.indexOf(type);
      if (to - from === 1) gold[from] = base + 3;
      else {
        gold[from] = base;
        for (let i = from + 1; i < to - 1; i++) gold[i] = base + 1;
        gold[to - 1] = base + 2;
      }
    }
    const features = sentenceFeatures(words, gazetteer, clusters).map((names) => {
      // Without a history: its features are added per pass (see historyFeatures).
      const ids: number[] = [];
      for (const name of names) {
        let id = featureIndex.get(name);
        if (id === undefined && grow) {
          id = featureIndex.size;
          featureIndex.set(name, id);
        }
        if (id !== undefined) ids.push(id);
      }
      return Int32Array.from(ids);
    });
    return { words, caps: isAllCaps(words), features, gold };
  });
}

/** For each token, the id of its history feature (-1: none), from what the tagger said earlier in the document. */
function historyFeatures(example: Example, history: NameHistory): Int32Array {
  return Int32Array.from(example.words, (word, i) => {
    const earlier = history.tagOf(casedFor(word, example.caps));
    return earlier ? (historyIds.get(historyValue(earlier, example.words, i)) as number) : -1;
  });
}

/** Words without a capital letter that occur inside names in the training data (see NerModel.outsideMask). */
function uncapitalisedInNames(sentences: ConllSentence[]): Set<string> {
  const found = new Set<string>();
  for (const sentence of sentences) {
    const words = conllWords(sentence);
    if (isAllCaps(words)) continue;
    for (const { from, to } of sentence.gold) {
      for (const word of words.slice(from, to)) if (word === word.toLowerCase()) found.add(word);
    }
  }
  return found;
}

const started = performance.now();
const trainDocuments = readConllDocuments(join(values.data, 'train.txt'));
const inNames = uncapitalisedInNames(trainDocuments.flat());
const train = trainDocuments.map((sentences) => load(sentences, true));
const dev = readConllDocuments(join(values.data, 'dev.txt')).map((sentences) => load(sentences, false));
const features = featureIndex.size;
console.error(
  `${train.length} training documents (${train.flat().length} sentences), ${dev.length} dev documents, ${features} features, ${inNames.size} uncapitalised words inside names`,
);

/** Each token's feature ids with its history feature, if any. */
const withHistory = (ids: Int32Array, historyId: number) => (historyId < 0 ? ids : [...ids, historyId]);

function decode(example: Example, w: ArrayLike<number>, trans: ArrayLike<number>, history: Int32Array): Int32Array {
  const emissions = new Float64Array(example.features.length * TAG_COUNT);
  example.features.forEach((ids, t) => {
    for (const id of withHistory(ids, history[t] as number))
      for (let y = 0; y < TAG_COUNT; y++)
        emissions[t * TAG_COUNT + y] = (emissions[t * TAG_COUNT + y] as number) + (w[id * TAG_COUNT + y] as number);
  });
  return viterbi(emissions, example.features.length, trans);
}

/**
 * Micro F1 over PER, ORG and LOC exact spans (MISC is tagged but not scored, as in eval:ner), each sentence on
 * its own or (`documents`) each after the sentences of its document before it.
 */
function f1(documents: Example[][], w: ArrayLike<number>, trans: ArrayLike<number>, whole: boolean): number {
  let tp = 0;
  let predictedCount = 0;
  let goldCount = 0;
  const key = (s: { type: string; from: number; to: number }) => `${s.type}:${s.from}:${s.to}`;
  for (const document of documents) {
    const history = new NameHistory();
    for (const example of document) {
      const path = decode(example, w, trans, whole ? historyFeatures(example, history) : NO_HISTORY(example));
      if (whole) history.record(example.words, path, example.caps);
      const predicted = spansOf(path).filter((s) => s.type !== 'MISC');
      const gold = new Set(
        spansOf(example.gold)
          .filter((s) => s.type !== 'MISC')
          .map(key),
      );
      predictedCount += predicted.length;
      goldCount += gold.size;
      for (const s of predicted) if (gold.has(key(s))) tp++;
    }
  }
  return (2 * tp) / Math.max(1, predictedCount + goldCount);
}

const NO_HISTORY = (example: Example) => new Int32Array(example.words.length).fill(-1);

/**
 * The shuffles the model is trained with, one model each: the shipped weights are their average (parameter
 * mixing), steadier than any one of them (one shuffle's dev F1 differs from another's by up to 0.004).
 */
const SHUFFLE_SEEDS = [20_240_601, 11, 22];

interface Trained {
  weights: Float32Array;
  transitions: Float32Array;
  epoch: number;
  sentences: number;
  documents: number;
}

/** Trains one model on one sequence of shuffles; the pass kept is the best on dev. */
function trainOnce(seed: number): Trained {
  const weights = new Float64Array(features * TAG_COUNT);
  const totals = new Float64Array(features * TAG_COUNT); // step-weighted updates, for averaging
  const transitions = new Float64Array((TAG_COUNT + 1) * TAG_COUNT);
  const transitionTotals = new Float64Array((TAG_COUNT + 1) * TAG_COUNT);
  let step = 1;

  function update(example: Example, predicted: Int32Array, history: Int32Array): void {
    for (let t = 0; t < predicted.length; t++) {
      const g = example.gold[t] as number;
      const p = predicted[t] as number;
      const prevG = t === 0 ? START : (example.gold[t - 1] as number);
      const prevP = t === 0 ? START : (predicted[t - 1] as number);
      if (g !== p) {
        for (const id of withHistory(example.features[t] as Int32Array, history[t] as number)) {
          weights[id * TAG_COUNT + g] = (weights[id * TAG_COUNT + g] as number) + 1;
          totals[id * TAG_COUNT + g] = (totals[id * TAG_COUNT + g] as number) + step;
          weights[id * TAG_COUNT + p] = (weights[id * TAG_COUNT + p] as number) - 1;
          totals[id * TAG_COUNT + p] = (totals[id * TAG_COUNT + p] as number) - step;
        }
      }
      if (g !== p || prevG !== prevP) {
        transitions[prevG * TAG_COUNT + g] = (transitions[prevG * TAG_COUNT + g] as number) + 1;
        transitionTotals[prevG * TAG_COUNT + g] = (transitionTotals[prevG * TAG_COUNT + g] as number) + step;
        transitions[prevP * TAG_COUNT + p] = (transitions[prevP * TAG_COUNT + p] as number) - 1;
        transitionTotals[prevP * TAG_COUNT + p] = (transitionTotals[prevP * TAG_COUNT + p] as number) - step;
      }
    }
  }

  const averaged = (w: Float64Array, total: Float64Array) => Float32Array.from(w, (v, i) => v - (total[i] as number) / step);

  // A fixed shuffle per pass, and a fixed draw of the documents read without history, so training is reproducible.
  const shuffle = seededShuffler(seed);
  const pickAlone = seededShuffler(seed + 20_604); // 20_261_205 for the first shuffle

  let best: Trained & { f1: number } = {
    f1: -1,
    epoch: 0,
    weights: new Float32Array(0),
    transitions: new Float32Array(0),
    sentences: 0,
    documents: 0,
  };
  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    // Each document's sentences in their order, the documents' sentences shuffled among each other (a document
    // a place per sentence, places shuffled): reading one whole document after another did worse (dev F1 by
    // sentence 0.913 against 0.915, by document 0.928 against 0.929; means of three shuffles).
    const order = train.flatMap((document, d) => document.map(() => d));
    shuffle(order);
    // Half of the documents, drawn anew each pass, are read without history, as a lone sentence is: trained
    // with history everywhere, the model leant on it (dev F1 by sentence 0.906 against 0.918 without history).
    const drawn = train.map((_, d) => d);
    pickAlone(drawn);
    const alone = new Set(drawn.slice(0, Math.floor(drawn.length / 2)));
    const histories = train.map(() => new NameHistory());
    const next = new Int32Array(train.length); // each document's next sentence
    let mistakes = 0;
    for (const d of order) {
      const example = (train[d] as Example[])[next[d] as number] as Example;
      next[d] = (next[d] as number) + 1;
      const history = histories[d] as NameHistory;
      const earlier = alone.has(d) ? NO_HISTORY(example) : historyFeatures(example, history);
      const predicted = decode(example, weights, transitions, earlier);
      history.record(example.words, predicted, example.caps);
      if (predicted.some((y, t) => y !== example.gold[t])) {
        mistakes++;
        update(example, predicted, earlier);
      }
      step++;
    }
    const w = averaged(weights, totals);
    const trans = averaged(transitions, transitionTotals);
    const sentences = f1(dev, w, trans, false);
    const documents = f1(dev, w, trans, true);
    // Passes are chosen by both ways of reading: sentences alone and whole documents.
    const score = (sentences + documents) / 2;
    console.error(
      `pass ${epoch}: ${mistakes} sentences wrong, dev F1 ${sentences.toFixed(4)} by sentence, ${documents.toFixed(4)} by document (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
    if (score > best.f1) best = { f1: score, epoch, weights: w, transitions: trans, sentences, documents };
  }
  return best;
}

/** Dev F1 by sentence and by document of weights. */
const scores = (w: ArrayLike<number>, trans: ArrayLike<number>) => ({
  sentences: f1(dev, w, trans, false),
  documents: f1(dev, w, trans, true),
});

const models = SHUFFLE_SEEDS.slice(0, Number(values.shuffles)).map((seed) => {
  const trained = trainOnce(seed);
  console.error(
    `shuffle ${seed}: best pass ${trained.epoch}, dev F1 ${trained.sentences.toFixed(4)} by sentence, ${trained.documents.toFixed(4)} by document`,
  );
  return trained;
});
const mean = (arrays: Float32Array[]) =>
  Float32Array.from(arrays[0] as Float32Array, (_, i) => arrays.reduce((sum, a) => sum + (a[i] as number), 0) / arrays.length);
/**
 * Features whose every weight is under PRUNE_BELOW are left out: most are ones only one of the models used,
 * their weight divided by three. Dropping them left dev F1 as it was (0.917 by sentence, 0.927 by document)
 * and the model at 57,700 features instead of 79,000, its load and tagging as fast as one model's.
 */
const PRUNE_BELOW = 0.35;
function pruned(weights: Float32Array): Float32Array {
  for (let row = 0; row < features; row++) {
    let largest = 0;
    for (let y = 0; y < TAG_COUNT; y++) largest = Math.max(largest, Math.abs(weights[row * TAG_COUNT + y] as number));
    if (largest < PRUNE_BELOW) weights.fill(0, row * TAG_COUNT, (row + 1) * TAG_COUNT);
  }
  return weights;
}
const mixed = { weights: pruned(mean(models.map((m) => m.weights))), transitions: mean(models.map((m) => m.transitions)) };
const mixedScores = scores(mixed.weights, mixed.transitions);

const model = NerModel.fromWeights(featureIndex, mixed.weights, mixed.transitions, inNames);
const bytes = gzipSync(model.serialize(), { level: 9 });
writeFileSync(values.out, bytes);
console.error(
  `average of ${models.length} models: dev F1 ${mixedScores.sentences.toFixed(4)} by sentence, ${mixedScores.documents.toFixed(4)} by document, on gold tokens; ${TAGS.length} tags; wrote ${values.out} (${(bytes.length / 1e6).toFixed(1)} MB)`,
);
