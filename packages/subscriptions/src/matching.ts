import type { EnrichedArticle, SubscriptionFilter } from '@syndicate/contracts';

export const FILTER_FIELDS = ['entities', 'topics', 'tags', 'categories', 'sources', 'languages'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export const normalise = (value: string) => value.trim().toLowerCase();

/** Tells the broader topics of a topic (its ancestors), so a filter on a topic matches its narrower ones. */
export type BroaderOf = (topicId: string) => string[];

/**
 * The values an article offers each filter field, normalised. Entities offer their id, name and outside
 * ids, alone and as `scheme:id` (a place's GeoNames id: `703448` or `geonames:703448`); topics offer themselves and every broader topic; languages offer the full tag and its primary
 * subtag (a filter on `en` matches `en-GB`).
 */
export function articleKeys({ article, enrichment }: Pick<EnrichedArticle, 'article' | 'enrichment'>, broaderOf: BroaderOf = () => []) {
  const set = (values: Iterable<string>) => new Set([...values].map(normalise));
  return {
    entities: set(
      enrichment.entities.flatMap((e) => [
        e.id,
        e.name,
        // An outside id alone ("703448", "Q212") or with its scheme ("geonames:703448", "wikidata:Q212").
        ...Object.entries(e.externalIds).flatMap(([scheme, id]) => [id, `${scheme}:${id}`]),
      ]),
    ),
    topics: set(enrichment.topics.flatMap((t) => [t.id, ...broaderOf(t.id)])),
    tags: set(article.tags),
    categories: set(article.categories),
    sources: set([article.source]),
    languages: set([article.language, article.language.split('-')[0] ?? article.language]),
  } satisfies Record<FilterField, Set<string>>;
}
export type ArticleKeys = ReturnType<typeof articleKeys>;

/** True when every field the filter gives shares at least one value with the article (case-insensitive). */
export function filterAccepts(filter: SubscriptionFilter | undefined, keys: ArticleKeys): boolean {
  if (!filter) return true;
  for (const field of FILTER_FIELDS) {
    const wanted = filter[field];
    if (wanted && wanted.length > 0 && !wanted.some((w) => keys[field].has(normalise(w)))) return false;
  }
  return true;
}

/** `filterAccepts` for one article: convenient where only one filter is checked. */
export function matchesFilter(
  filter: SubscriptionFilter | undefined,
  record: Pick<EnrichedArticle, 'article' | 'enrichment'>,
  broaderOf: BroaderOf = () => [],
): boolean {
  return filterAccepts(filter, articleKeys(record, broaderOf));
}
