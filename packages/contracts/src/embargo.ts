import type { ArticleData } from './article.js';

/**
 * When an article may first leave the service (ms since the epoch), or 0 when it is not embargoed. Every
 * exit (feeds, webhooks, partner topics, backfills, replays) asks this: an embargo is absolute.
 */
export function embargoEndsAt(article: Pick<ArticleData, 'embargoUntil'>): number {
  return article.embargoUntil ? Date.parse(article.embargoUntil) : 0;
}

/** True while the article must not be released to anyone. */
export const underEmbargo = (article: Pick<ArticleData, 'embargoUntil'>, now = Date.now()): boolean => embargoEndsAt(article) > now;

/** Thrown when code is about to release an embargoed article: a bug, never a state to recover from quietly. */
export class EmbargoBreachError extends Error {
  constructor(articleId: string, exit: string, embargoUntil: string | undefined) {
    super(`refusing to release article ${articleId} to ${exit} before its embargo ends at ${embargoUntil}`);
  }
}
