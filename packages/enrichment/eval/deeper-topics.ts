/**
 * How well the classifier picks topics below level 1, on short texts written for this project, each with the
 * level-2 topics an editor would accept (`eval/deeper-topics*.tsv`). A text scores when the first topic the
 * classifier gives below level 1 is, or lies under, one of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IptcVocabulary } from '../src/iptc.js';
import type { TopicClassifier } from '../src/topics/classifier.js';

export interface DeeperTopicsScore {
  texts: number;
  /** The level-1 ancestor of the first topic is the gold topics' level-1 ancestor. */
  levelOne: number;
  /** Some topic below level 1 was given. */
  answered: number;
  /** The first topic below level 1 is, or lies under, an accepted level-2 topic. */
  right: number;
  /** ...among the texts whose level-1 topic was right (what the level-2 step itself gets right). */
  rightGivenLevelOne: number;
  misses: Array<{ text: string; gold: string[]; given: string | undefined }>;
}

/** The development set (the method was tuned while looking at it) and the held-out one (written after, never tuned on). */
export const DEEPER_TOPIC_SETS = ['deeper-topics.tsv', 'deeper-topics-heldout.tsv'] as const;

export function scoreDeeperTopics(
  classifier: Pick<TopicClassifier, 'classify'>,
  vocabulary: IptcVocabulary,
  file: string = DEEPER_TOPIC_SETS[0],
): DeeperTopicsScore {
  const byLabel = new Map(vocabulary.concepts.filter((c) => vocabulary.broader(c.id).length === 1).map((c) => [c.label, c.id] as const));
  const lines = readFileSync(join(import.meta.dirname, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'));
  const score: DeeperTopicsScore = { texts: lines.length, levelOne: 0, answered: 0, right: 0, rightGivenLevelOne: 0, misses: [] };
  for (const line of lines) {
    const [labels = '', text = ''] = line.split('\t');
    const gold = labels.split('|').map((label) => {
      const id = byLabel.get(label);
      if (!id) throw new Error(`${file}: "${label}" is no level-2 topic`);
      return id;
    });
    const goldTops = new Set(gold.map((id) => vocabulary.broader(id).at(-1)));
    const topics = classifier.classify(text);
    const first = topics[0];
    const topRight = first !== undefined && goldTops.has(vocabulary.broader(first.id).at(-1) ?? first.id);
    if (topRight) score.levelOne++;
    const deeper = topics.find((t) => vocabulary.broader(t.id).length >= 1);
    if (deeper) score.answered++;
    // The level-2 topic the answer is or lies under.
    const levelTwo = deeper ? [deeper.id, ...vocabulary.broader(deeper.id)].at(-2) : undefined;
    if (levelTwo && gold.includes(levelTwo)) {
      score.right++;
      if (topRight) score.rightGivenLevelOne++;
    } else score.misses.push({ text: text.slice(0, 60), gold: labels.split('|'), given: deeper?.label });
  }
  return score;
}
