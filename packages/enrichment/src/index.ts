import { type ArticleData, articleText, type Enrichment } from '@syndicate/contracts';
import { extractEntities, nerTagger } from './entities.js';
import { placeIndex } from './places.js';
import { leadSummary, wordCount } from './text-stats.js';
import { TopicClassifier } from './topics/classifier.js';

export { extractEntities, type TextParts } from './entities.js';
export { choosePlace, type PlaceCandidate, PlaceIndex, placeIndex, placeKey } from './places.js';
export { slugify } from './text-stats.js';
export { TopicClassifier } from './topics/classifier.js';

export const ENGINE = 'syndicate-ner/1';

/**
 * Characters of an article that entities and topics are taken from by default (about 16,000 words; a long
 * read is 60,000 characters). The work is linear in what is read, but 100,000 characters of punctuation still
 * take a few hundred milliseconds on a busy machine, and an enricher must finish each article well within its
 * Kafka session (services/enricher: ENRICH_MAX_CHARS).
 */
export const DEFAULT_MAX_CHARS = 100_000;

export interface EnricherOptions {
  /** Entities and topics come from at most this many characters at the start of the text (`truncatedAt`). */
  maxChars?: number;
}

/** Enriches articles; construct once per process: the models and the place index load here, not in the first article's time. */
export class Enricher {
  readonly maxChars: number;

  constructor(
    readonly topicsClassifier = new TopicClassifier(),
    { maxChars = DEFAULT_MAX_CHARS }: EnricherOptions = {},
  ) {
    nerTagger();
    placeIndex();
    this.maxChars = maxChars;
  }

  enrich(article: Pick<ArticleData, 'headline' | 'standfirst' | 'body' | 'language'>): Enrichment {
    const text = articleText(article);
    // Bounded work per article: a longer text is read up to the cut; offsets stay offsets into `text`.
    const cut = extractionEnd(text, this.maxChars);
    const read = cut < text.length ? text.slice(0, cut) : text;
    // The headline weighs most in salience, then the standfirst and first paragraph (the lead).
    const headlineEnd = article.headline.length;
    const leadEnd = articleText({ headline: article.headline, standfirst: article.standfirst, body: article.body.slice(0, 1) }).length;
    const entities = extractEntities(read, { headlineEnd, leadEnd });
    return {
      entities,
      topics: this.topicsClassifier.classify(read, { entities: entities.map((e) => e.name) }),
      language: article.language,
      // Counting and the lead summary are cheap and exact on any length: they cover the whole article.
      wordCount: wordCount(text),
      summary: leadSummary(article.standfirst ? [article.standfirst] : article.body),
      engine: ENGINE,
      ...(cut < text.length ? { truncatedAt: cut } : {}),
    };
  }
}

/** A word is never longer than this; a cut looks no further back for the space before one. */
const LONGEST_WORD = 1_000;

/**
 * Where reading `text` stops: its length when it is no longer than `maxChars`, else at most `maxChars`, at
 * the white space before the word the limit falls in (so no name is read half), or inside a "word" longer
 * than any word, never between the halves of a surrogate pair.
 */
export function extractionEnd(text: string, maxChars: number): number {
  if (text.length <= maxChars) return text.length;
  const limit = Math.max(0, Math.floor(maxChars));
  for (let i = limit; i > 0 && i >= limit - LONGEST_WORD; i--) if (/\s/u.test(text[i] as string)) return i;
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
