import type { TrainingOptions } from './model.js';

/** Settings shared by `npm run train:topics` and the cross-validation in `npm run eval:topics` (tuned there). */
export const TOPIC_TRAINING: TrainingOptions & { vocabularyWeight: number; writtenWeight: number } = {
  epochs: 60,
  learningRate: 3,
  minDocuments: 3,
  idf: true,
  // A vocabulary definition counts for less than an article: it is a dozen words, not hundreds.
  vocabularyWeight: 0.3,
  // The texts in data/topic-examples.tsv are few; each stands for many articles of its topic.
  writtenWeight: 1,
};
