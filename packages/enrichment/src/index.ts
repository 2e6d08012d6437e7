import { type ArticleData, articleText, type Enrichment } from '@syndicate/contracts';
import { extractEntities, nerTagger } from './entities.js';
import { leadSummary, wordCount } from './text-stats.js';
import { TopicClassifier } from './topics/classifier.js';

export { extractEntities, type TextParts } from './entities.js';
export { slugify } from './text-stats.js';
export { TopicClassifier } from './topics/classifier.js';

export const ENGINE = 'syndicate-ner/1';

/** Enriches articles; construct once per process: both models load here, not in the first article's time. */
export class Enricher {
  constructor(readonly topicsClassifier = new TopicClassifier()) {
    nerTagger();
  }

  enrich(article: Pick<ArticleData, 'headline' | 'standfirst' | 'body' | 'language'>): Enrichment {
    const text = articleText(article);
    // The headline weighs most in salience, then the standfirst and first paragraph (the lead).
    const headlineEnd = article.headline.length;
    const leadEnd = articleText({ headline: article.headline, standfirst: article.standfirst, body: article.body.slice(0, 1) }).length;
    const entities = extractEntities(text, { headlineEnd, leadEnd });
    return {
      entities,
      topics: this.topicsClassifier.classify(text, { entities: entities.map((e) => e.name) }),
      language: article.language,
      wordCount: wordCount(text),
      summary: leadSummary(article.standfirst ? [article.standfirst] : article.body),
      engine: ENGINE,
    };
  }
}
