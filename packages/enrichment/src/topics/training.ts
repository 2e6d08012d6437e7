import { type IptcVocabulary, iptcVocabulary } from '../iptc.js';
import { vocabularyExamples, writtenExamples } from './examples.js';
import { type LabelledText, TopicModel, type TrainingOptions } from './model.js';

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

/**
 * The topic model from labelled articles, plus the IPTC definitions of the top-level topics the articles do
 * not cover (`coveredByArticles` are left to the articles) and the texts written for this project. The one
 * recipe behind `npm run train:topics`, `npm run eval:topics` and the quality test.
 */
export function trainTopicModel(
  articles: readonly LabelledText[],
  coveredByArticles: readonly string[],
  vocabulary: IptcVocabulary = iptcVocabulary(),
): TopicModel {
  const examples = [
    ...articles,
    ...vocabularyExamples(vocabulary, TOPIC_TRAINING.vocabularyWeight, coveredByArticles),
    ...writtenExamples(TOPIC_TRAINING.writtenWeight),
  ];
  return TopicModel.train(examples, TOPIC_TRAINING);
}
