import { z } from 'zod';
import { cleanText, lineText, stripControlChars } from './text.js';

/** Article ids travel in URLs, Kafka keys and feed guids, so they are restricted to a URL-safe alphabet. */
export const ArticleId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : - (not starting with punctuation)');

/** Monotonic per article: a consumer that has seen version N ignores anything at or below N. */
export const ArticleVersion = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

// The URL check (WHATWG parser) lets control characters through in a path; the stored URL must not carry them.
const HttpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .overwrite((s) => stripControlChars(s, ''));

export const Author = z.object({
  name: lineText(200),
  url: HttpUrl.optional(),
});

export const ArticleImage = z.object({
  url: HttpUrl.optional(),
  caption: cleanText(2_000),
  credit: lineText(300).optional(),
});

/** The content of an article as the newsroom sends it: the `data` of published/updated events. */
export const ArticleData = z.object({
  id: ArticleId,
  version: ArticleVersion,
  headline: lineText(500),
  standfirst: cleanText(2_000).optional(),
  body: z.array(cleanText(100_000)).min(1, 'needs at least one paragraph').max(2_000),
  authors: z.array(Author).max(50).default([]),
  url: HttpUrl.optional(),
  categories: z.array(lineText(100)).max(50).default([]),
  tags: z.array(lineText(100)).max(200).default([]),
  images: z.array(ArticleImage).max(100).default([]),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en or en-GB')
    .default('en'),
  publishedAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }).optional(),
  embargoUntil: z.iso.datetime({ offset: true }).optional(),
  usageTerms: cleanText(2_000).optional(),
  source: lineText(200).default('newsroom'),
});
export type ArticleData = z.infer<typeof ArticleData>;

/**
 * What `POST /v1/articles` accepts: the same fields, but the id, version and publication time may be left to
 * the API (id from the URL or headline, version from a per-article counter, publishedAt = now).
 */
export const ArticleSubmission = ArticleData.extend({
  id: ArticleId.optional(),
  version: ArticleVersion.optional(),
  publishedAt: z.iso.datetime({ offset: true }).optional(),
});
export type ArticleSubmission = z.input<typeof ArticleSubmission>;

export const WithdrawalData = z.object({
  id: ArticleId,
  version: ArticleVersion,
  withdrawnAt: z.iso.datetime({ offset: true }),
  reason: cleanText(1_000).optional(),
});
export type WithdrawalData = z.infer<typeof WithdrawalData>;

export const ARTICLE_EVENT_TYPES = ['article.published', 'article.updated', 'article.withdrawn'] as const;
export const ArticleEventType = z.enum(ARTICLE_EVENT_TYPES);
export type ArticleEventType = z.infer<typeof ArticleEventType>;

/** An event on `article-events`, after its CloudEvents attributes and data have been read back. */
export const ArticleEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('article.published'), data: ArticleData }),
  z.object({ type: z.literal('article.updated'), data: ArticleData }),
  z.object({ type: z.literal('article.withdrawn'), data: WithdrawalData }),
]);
export type ArticleEvent = z.infer<typeof ArticleEvent>;

/** The whole text of an article as enrichment sees it; entity offsets point into this string. */
export function articleText(article: Pick<ArticleData, 'headline' | 'standfirst' | 'body'>): string {
  return [article.headline, article.standfirst, ...article.body].filter((p) => p !== undefined && p !== '').join('\n\n');
}
