import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArticleInput } from '@syndicate/article-parser';
import { articleText } from '@syndicate/contracts';
import { describe, expect, it } from 'vitest';
import { DEEPER_TOPIC_SETS, scoreDeeperTopics } from '../../eval/deeper-topics.js';
import { iptcVocabulary } from '../iptc.js';
import { TopicClassifier } from './classifier.js';

const classifier = new TopicClassifier();
const vocabulary = iptcVocabulary();
const levelOf = (id: string) => vocabulary.broader(id).length + 1;

describe('topics below level 1', () => {
  it('gives a level-2 topic under the top-level one, first, with words of the article as evidence', () => {
    // Written for this test.
    const text =
      'Rebel fighters shelled the outskirts of the city overnight as government troops prepared an offensive. The army said two soldiers were killed in the fighting.';
    const topics = classifier.classify(text);
    expect(topics[0]).toMatchObject({ id: 'medtop:20000056', label: 'armed conflict' });
    expect(levelOf(topics[0]?.id ?? '')).toBe(2);
    expect(topics[1]?.id).toBe('medtop:16000000');
    expect(topics[0]?.score).toBeLessThanOrEqual(topics[1]?.score ?? 0);
    const words = text.toLowerCase();
    expect(topics[0]?.evidence.length).toBeGreaterThanOrEqual(2);
    for (const word of topics[0]?.evidence ?? []) expect(words).toContain(word);
  });

  const seed = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'seeds', '000_6082e137c817fc36.txt');
  it.skipIf(!existsSync(seed))('files the seed article under a level-2 topic of conflict, war and peace', () => {
    // As the enricher reads it: the saved page parsed, its furniture (links to other stories) dropped.
    const topics = classifier.classify(articleText(parseArticleInput(readFileSync(seed, 'utf8'))));
    const deeper = topics.find((t) => levelOf(t.id) === 2);
    expect(['medtop:20000056', 'medtop:20000080']).toContain(deeper?.id); // armed conflict or prisoners of war
    expect(vocabulary.broader(deeper?.id ?? '')).toEqual(['medtop:16000000']);
    expect(deeper?.evidence).toEqual(expect.arrayContaining(['military', 'soldiers']));
  });

  it('is accepted on most texts written for the purpose (see docs/benchmarks.md for the figures)', () => {
    // Regression floors a little under the measured figures; the held-out set was never tuned on.
    const [development, heldOut] = DEEPER_TOPIC_SETS.map((file) => scoreDeeperTopics(classifier, vocabulary, file));
    expect((development?.right ?? 0) / (development?.texts ?? 1)).toBeGreaterThanOrEqual(0.8);
    expect((heldOut?.right ?? 0) / (heldOut?.texts ?? 1)).toBeGreaterThanOrEqual(0.5);
  });
});
