import { createHash } from 'node:crypto';

/**
 * A stable id for an article that arrives without one: the same URL (or, lacking one, the same source and
 * headline) always gives the same id, so re-publishing a page updates it instead of duplicating it.
 */
export function deriveArticleId(fields: { url?: string; source?: string; headline: string }): string {
  const basis = fields.url ?? `${fields.source ?? ''}\n${fields.headline.trim().toLowerCase()}`;
  return `art-${createHash('sha256').update(basis).digest('hex').slice(0, 20)}`;
}
