import { type ArticleData, articleText, type Enrichment } from '@syndicate/contracts';
import { extractEntities } from './entities.js';
import { leadSummary, wordCount } from './text-stats.js';
import { TopicClassifier } from './topics.js';

export { extractEntities } from './entities.js';
export { slugify } from './text-stats.js';
export { TopicClassifier } from './topics.js';

export const ENGINE = 'compromise-lexical/0.1';

/** Enriches articles; construct once per process (it loads the topic vocabulary). */
export class Enricher {
  constructor(private readonly topics = new TopicClassifier()) {}

  enrich(article: Pick<ArticleData, 'headline' | 'standfirst' | 'body' | 'language'>): Enrichment {
    const text = articleText(article);
    // Headline, standfirst and first paragraph form the lead that weighs most in salience.
    const leadEnd = articleText({ headline: article.headline, standfirst: article.standfirst, body: article.body.slice(0, 1) }).length;
    return {
      entities: extractEntities(text, leadEnd),
      topics: this.topics.classify(text),
      language: article.language,
      wordCount: wordCount(text),
      summary: leadSummary(article.standfirst ? [article.standfirst] : article.body),
      engine: ENGINE,
    };
  }
}
