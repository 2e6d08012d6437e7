import { ArticleData, ArticleSubmission } from '@syndicate/contracts';
import { deriveArticleId } from './article-id.js';
import { parsePage } from './page-parser.js';

export { deriveArticleId } from './article-id.js';
export { isShouting, PageParseError, type ParsedPage, parsePage } from './page-parser.js';

export interface ParseOptions {
  /** Publication time for inputs that carry none (a page saved as text); defaults to now. */
  now?: Date;
  source?: string;
}

/**
 * Any supported input (a JSON event or article, a raw page, a plain-text article) as a validated article.
 * Throws a `ZodError` or `PageParseError` that says what is wrong.
 */
export function parseArticleInput(text: string, options: ParseOptions = {}): ArticleData {
  return completeSubmission(parseArticleSubmission(text), options);
}

/**
 * What the input itself says, validated, with nothing filled in: no id, version or publication time the
 * input does not carry (the API assigns those; a page saved without a date gets the time it is first published).
 */
export function parseArticleSubmission(text: string): ArticleSubmission {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) return ArticleSubmission.parse(fromJson(trimmed));
  const page = parsePage(text);
  return ArticleSubmission.parse({
    headline: page.headline,
    body: page.body,
    categories: page.categories,
    tags: page.tags,
    authors: page.authors.map((name) => ({ name })),
    images: page.images,
  });
}

/** Fills what the API would fill (id, version 1, publication time) and validates the result. */
export function completeSubmission(input: unknown, options: ParseOptions = {}): ArticleData {
  const submission = ArticleSubmission.parse(input);
  const source = options.source ?? submission.source;
  return ArticleData.parse({
    ...submission,
    source,
    id: submission.id ?? deriveArticleId({ url: submission.url, source, headline: submission.headline }),
    version: submission.version ?? 1,
    publishedAt: submission.publishedAt ?? (options.now ?? new Date()).toISOString(),
  });
}

function fromJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // An event (`{type, data}`) as `syndicate parse` prints it, or the bare article.
  if (value && typeof value === 'object' && 'data' in value && 'type' in value) return (value as { data: unknown }).data;
  return value;
}
