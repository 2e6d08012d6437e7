import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conllWords, readConll, readConllDocuments } from '../../eval/conll.js';
import { nerModelPath } from '../entities.js';
import { wordClusters } from './clusters.js';
import { historyValue, isAllCaps, sentenceFeatures } from './features.js';
import { gazetteer } from './gazetteer.js';
import { NameHistory } from './history.js';
import { allowed, canEnd, NerModel, START, spansOf, TAG_COUNT, TAGS, viterbi } from './model.js';
import { NerTagger } from './tagger.js';

const model = NerModel.load(nerModelPath());
const tagger = new NerTagger(model, gazetteer(), wordClusters());
const plain = (words: string[]) =>
  model.tag(sentenceFeatures(words, gazetteer(), wordClusters()), model.outsideMask(words, isAllCaps(words)));
const DEV = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'data', 'conll2003pp', 'dev.txt');

describe('NerTagger', () => {
  // 1,500 sentences through both paths: 2 s on this 2-core machine, 10 s under a load of 20.
  it('tags exactly as the plain feature-by-feature path does, on the CoNLL dev sentences', { timeout: 60_000 }, () => {
    expect(existsSync(DEV), `${DEV} (../shared/data) is needed`).toBe(true);
    const sentences = readConll(DEV).slice(0, 1_500);
    for (const s of sentences) {
      const words = conllWords(s);
      expect(Array.from(tagger.tag(words))).toEqual(Array.from(plain(words)));
    }
  });

  // 40 documents (about 800 sentences) through both paths, each path with a history of its own.
  it('tags as the plain path does when it reads what it said earlier in the text', { timeout: 60_000 }, () => {
    for (const document of readConllDocuments(DEV).slice(0, 40)) {
      const fast = new NameHistory();
      const slow = new NameHistory();
      for (const s of document) {
        const words = conllWords(s);
        const caps = isAllCaps(words);
        const expected = model.tag(sentenceFeatures(words, gazetteer(), wordClusters(), slow), model.outsideMask(words, caps));
        slow.record(words, expected, caps);
        expect(Array.from(tagger.tag(words, fast))).toEqual(Array.from(expected));
      }
    }
  });

  // 200 sentences through a cache of 20 words and the plain path: 3 s on this 2-core machine, 7 s under a load of 20.
  it('tags the same after its word cache starts over, again and again', { timeout: 60_000 }, () => {
    const forgetful = new NerTagger(model, gazetteer(), wordClusters(), 20);
    const sentences = readConll(DEV).slice(0, 200);
    for (const s of sentences) {
      const words = conllWords(s);
      expect(Array.from(forgetful.tag(words))).toEqual(Array.from(plain(words)));
    }
  });

  it('tags exactly as the plain path on arbitrary words, "|" and sentence markers included', () => {
    const word = fc.oneof(
      fc.constantFrom('Kyiv', 'the', 'of', 'SBU', 'a|b', '<s>', '</s>', 'U.S.', 'said', '|'),
      fc.string({ minLength: 1, maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), (words) => {
        expect(Array.from(tagger.tag(words))).toEqual(Array.from(plain(words)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('viterbi', () => {
  it('always returns a valid BILOU path whatever the scores', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer(), (n, seed) => {
        let state = seed;
        const random = () => {
          state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
          return state / 2_147_483_648 - 0.5;
        };
        const emissions = Float64Array.from({ length: n * TAG_COUNT }, random);
        const transitions = Float64Array.from({ length: (TAG_COUNT + 1) * TAG_COUNT }, random);
        const outside = Uint8Array.from({ length: n }, () => (random() > 0.3 ? 1 : 0));
        const path = viterbi(emissions, n, transitions, outside);
        path.forEach((tag, t) => {
          expect(allowed(t === 0 ? START : (path[t - 1] as number), tag)).toBe(true);
          if (outside[t]) expect(TAGS[tag]).toBe('O');
        });
        expect(canEnd(path[n - 1] as number)).toBe(true);
      }),
    );
  });

  it('reads spans out of a path', () => {
    const tag = (name: string) => TAGS.indexOf(name);
    expect(spansOf([tag('U-PER'), tag('O'), tag('B-ORG'), tag('I-ORG'), tag('L-ORG')])).toEqual([
      { type: 'PER', from: 0, to: 1 },
      { type: 'ORG', from: 2, to: 5 },
    ]);
  });
});

describe('NameHistory', () => {
  const tags = (...names: string[]) => Int32Array.from(names, (name) => TAGS.indexOf(name));

  it('gives the tag a word had most often, the latest on a tie, and reads capitals as written', () => {
    const history = new NameHistory();
    expect(history.tagOf('Kent')).toBeUndefined();
    history.record(['Kent', 'beat', 'Essex'], tags('U-ORG', 'O', 'U-ORG'), false);
    history.record(['in', 'Kent'], tags('O', 'U-LOC'), false);
    expect(history.tagOf('Kent')).toBe('U-LOC');
    history.record(['KENT', 'WIN'], tags('U-ORG', 'O'), true);
    expect(history.tagOf('Kent')).toBe('U-ORG');
    history.record(['Kent', 'County', 'Council'], tags('B-ORG', 'I-ORG', 'L-ORG'), false);
    expect(history.tagOf('Council')).toBe('L-ORG');
    expect(history.tagOf('beat')).toBeUndefined();
  });

  it('marks the history of a word beside a capitalised one, as inside a longer name', () => {
    expect(historyValue('U-LOC', ['in', 'Rotterdam', 'today'], 1)).toBe('U-LOC');
    expect(historyValue('U-LOC', ['Port', 'of', 'Rotterdam', 'Authority'], 2)).toBe('U-LOC|r');
  });
});
