/**
 * `npm run train:ner`: trains the entity tagger as an averaged structured perceptron on the CoNLL-2003
 * (CoNLL++) training set in ../shared/data, picks the number of passes by F1 on the dev set, and writes
 * data/ner-model.txt.gz. Deterministic: the same data gives the same weights.
 *
 *   npm run train:ner [-- --epochs 12] [--out path]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type ConllSentence, conllWords, readConll } from '../eval/conll.js';
import { WordClusters, wordClustersPath } from '../src/ner/clusters.js';
import { isAllCaps, sentenceFeatures } from '../src/ner/features.js';
import { Gazetteer } from '../src/ner/gazetteer.js';
import { ENTITY_CLASSES, NerModel, START, spansOf, TAG_COUNT, TAGS, viterbi } from '../src/ner/model.js';
import { seededShuffler } from '../src/seeded-shuffle.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '15' },
    data: { type: 'string', default: join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'conll2003pp') },
    out: { type: 'string', default: join(import.meta.dirname, '..', 'data', 'ner-model.txt.gz') },
  },
});
const maxEpochs = Number(values.epochs);

interface Example {
  features: Int32Array[];
  gold: Int32Array;
}

const gazetteer = new Gazetteer();
const clusters = WordClusters.load(wordClustersPath());
const featureIndex = new Map<string, number>();

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
    return { features, gold };
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
const trainSentences = readConll(join(values.data, 'train.txt'));
const inNames = uncapitalisedInNames(trainSentences);
const train = load(trainSentences, true);
const dev = load(readConll(join(values.data, 'dev.txt')), false);
const features = featureIndex.size;
console.error(
  `${train.length} training sentences, ${dev.length} dev sentences, ${features} features, ${inNames.size} uncapitalised words inside names`,
);

const weights = new Float64Array(features * TAG_COUNT);
const totals = new Float64Array(features * TAG_COUNT); // step-weighted updates, for averaging
const transitions = new Float64Array((TAG_COUNT + 1) * TAG_COUNT);
const transitionTotals = new Float64Array((TAG_COUNT + 1) * TAG_COUNT);
let step = 1;

function decode(example: Example, w: ArrayLike<number>, trans: ArrayLike<number>): Int32Array {
  const emissions = new Float64Array(example.features.length * TAG_COUNT);
  example.features.forEach((ids, t) => {
    for (const id of ids)
      for (let y = 0; y < TAG_COUNT; y++)
        emissions[t * TAG_COUNT + y] = (emissions[t * TAG_COUNT + y] as number) + (w[id * TAG_COUNT + y] as number);
  });
  return viterbi(emissions, example.features.length, trans);
}

function update(example: Example, predicted: Int32Array): void {
  for (let t = 0; t < predicted.length; t++) {
    const g = example.gold[t] as number;
    const p = predicted[t] as number;
    const prevG = t === 0 ? START : (example.gold[t - 1] as number);
    const prevP = t === 0 ? START : (predicted[t - 1] as number);
    if (g !== p) {
      for (const id of example.features[t] as Int32Array) {
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

/** Micro F1 over PER, ORG and LOC exact spans (MISC is tagged but not scored, as in eval:ner). */
function f1(examples: Example[], w: ArrayLike<number>, trans: ArrayLike<number>): number {
  let tp = 0;
  let predictedCount = 0;
  let goldCount = 0;
  const key = (s: { type: string; from: number; to: number }) => `${s.type}:${s.from}:${s.to}`;
  for (const example of examples) {
    const predicted = spansOf(decode(example, w, trans)).filter((s) => s.type !== 'MISC');
    const gold = new Set(
      spansOf(example.gold)
        .filter((s) => s.type !== 'MISC')
        .map(key),
    );
    predictedCount += predicted.length;
    goldCount += gold.size;
    for (const s of predicted) if (gold.has(key(s))) tp++;
  }
  return (2 * tp) / Math.max(1, predictedCount + goldCount);
}

// A fixed shuffle per pass, so training is reproducible.
const shuffle = seededShuffler(20_240_601);

let best = { f1: -1, epoch: 0, weights: new Float32Array(0), transitions: new Float32Array(0) };
for (let epoch = 1; epoch <= maxEpochs; epoch++) {
  const order = train.map((_, i) => i);
  shuffle(order);
  let mistakes = 0;
  for (const i of order) {
    const example = train[i] as Example;
    const predicted = decode(example, weights, transitions);
    if (predicted.some((y, t) => y !== example.gold[t])) {
      mistakes++;
      update(example, predicted);
    }
    step++;
  }
  const w = averaged(weights, totals);
  const trans = averaged(transitions, transitionTotals);
  const score = f1(dev, w, trans);
  console.error(
    `pass ${epoch}: ${mistakes} sentences wrong, dev F1 ${score.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  if (score > best.f1) best = { f1: score, epoch, weights: w, transitions: trans };
}

const model = NerModel.fromWeights(featureIndex, best.weights, best.transitions, inNames);
const bytes = gzipSync(model.serialize(), { level: 9 });
writeFileSync(values.out, bytes);
console.error(
  `best pass ${best.epoch}, dev F1 ${best.f1.toFixed(4)} on gold tokens; ${TAGS.length} tags; wrote ${values.out} (${(bytes.length / 1e6).toFixed(1)} MB)`,
);
