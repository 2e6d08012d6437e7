import type { EnrichedArticle, SubscriptionFilter } from '@syndicate/contracts';

const norm = (s: string) => s.trim().toLowerCase();

/**
 * True when the article satisfies the filter: every field given shares at least one value with the article
 * (case-insensitive). Entities match by id or name; a topic filter also matches the topic's narrower topics
 * when `broaderOf` tells the hierarchy.
 */
export function matchesFilter(
  filter: SubscriptionFilter | undefined,
  { article, enrichment }: Pick<EnrichedArticle, 'article' | 'enrichment'>,
  broaderOf: (topicId: string) => string[] = () => [],
): boolean {
  if (!filter) return true;
  const shares = (wanted: string[] | undefined, have: Iterable<string>) => {
    if (!wanted || wanted.length === 0) return true;
    const haveSet = new Set([...have].map(norm));
    return wanted.some((w) => haveSet.has(norm(w)));
  };
  const entityKeys = enrichment.entities.flatMap((e) => [e.id, e.name, ...Object.values(e.externalIds)]);
  const topicKeys = enrichment.topics.flatMap((t) => [t.id, ...broaderOf(t.id)]);
  return (
    shares(filter.categories, article.categories) &&
    shares(filter.tags, article.tags) &&
    shares(filter.entities, entityKeys) &&
    shares(filter.topics, topicKeys)
  );
}
