/**
 * The quality the enrichment issue asks for, measured on the dev sets in ../shared/data as `npm run eval:ner`
 * and `npm run eval:topics` measure it, with some margin below today's figures (0.917 by sentence, ORG 0.877, 0.927 by
 * document, 0.894, 0.976), so a
 * change that makes the engine clearly worse fails here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BBC_DEV, BBC_TO_MEDTOP, readBbc } from '../eval/bbc.js';
import { documentText, goldText, readConll, readConllDocuments } from '../eval/conll.js';
import { prf, readInlineAnnotated, scoreTexts } from '../eval/spans.js';
import { iptcVocabulary } from './iptc.js';
import { TopicClassifier } from './topics/classifier.js';
import { trainTopicModel } from './topics/training.js';

const CONLL_DEV = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'conll2003pp', 'dev.txt');

describe('enrichment quality on the dev sets', () => {
  // Tags all of CoNLL-2003 dev: 4 s on this 2-core machine, 14 s under a load of 20.
  it('entities: exact-span micro F1 of PER, ORG and LOC on CoNLL-2003 dev is at least 0.89, ORG alone 0.85', { timeout: 90_000 }, () => {
    expect(existsSync(CONLL_DEV), `${CONLL_DEV} (../shared/data) is needed`).toBe(true);
    const counts = scoreTexts(readConll(CONLL_DEV).map(goldText));
    expect(prf(counts.micro).f1).toBeGreaterThanOrEqual(0.89);
    expect(prf(counts.ORG).f1).toBeGreaterThanOrEqual(0.85);
  });

  // Whole documents, where the tagger reads what it said about a name earlier in the text: 0.4 s on this 2-core machine.
  it('entities: micro F1 on CoNLL-2003 dev read as whole documents is at least 0.90', { timeout: 90_000 }, () => {
    const { f1 } = prf(scoreTexts(readConllDocuments(CONLL_DEV).map(documentText)).micro);
    expect(f1).toBeGreaterThanOrEqual(0.9);
  });

  it('entities: F1 on the short modern news sentences in eval/modern-news.txt is at least 0.85', () => {
    const { f1 } = prf(scoreTexts(readInlineAnnotated(join(import.meta.dirname, '..', 'eval', 'modern-news.txt'))).micro);
    expect(f1).toBeGreaterThanOrEqual(0.85);
  });

  // Trains two topic models: 11 s on this 2-core machine, 40 s under a load of 20.
  it('topics: level-1 accuracy in 2-fold cross-validation on BBC News dev is at least 0.96', { timeout: 180_000 }, () => {
    // Two folds, not eval:topics' five, to keep the suite quick: each model sees only half the articles.
    const documents = readBbc(BBC_DEV);
    const vocabulary = iptcVocabulary();
    let right = 0;
    for (const fold of [0, 1]) {
      const model = trainTopicModel(
        documents.filter((_, i) => i % 2 !== fold),
        Object.values(BBC_TO_MEDTOP),
        vocabulary,
      );
      const classifier = new TopicClassifier(model, vocabulary);
      for (const [i, doc] of documents.entries()) {
        if (i % 2 !== fold) continue;
        const best = classifier.classify(doc.text, { limit: 1 })[0];
        if (best && classifier.ancestry(best.id).at(-1)?.id === doc.label) right++;
      }
    }
    expect(right / documents.length).toBeGreaterThanOrEqual(0.96);
  });

  it('topics: texts of kinds the BBC set lacks land under their own top-level topics', () => {
    // Written for this test; none of these sentences is in the training texts.
    const cases: Array<[string, string]> = [
      ['Rescuers pulled survivors from collapsed buildings after the earthquake, and the death toll rose to 200.', 'medtop:03000000'],
      ['The court sentenced the former minister to eight years in prison for corruption after a long trial.', 'medtop:02000000'],
      [
        'Artillery pounded the frontline town as the army launched a counter-offensive and soldiers fought street by street.',
        'medtop:16000000',
      ],
      [
        'Doctors warned that measles cases were rising as vaccination rates among children fell, and hospitals opened isolation wards.',
        'medtop:07000000',
      ],
    ];
    const classifier = new TopicClassifier();
    for (const [text, top] of cases) {
      const best = classifier.classify(text)[0];
      expect(best && classifier.ancestry(best.id).at(-1)?.id, text).toBe(top);
    }
  });
});
