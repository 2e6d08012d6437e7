import type { EnrichedArticle, Subscription } from '@syndicate/contracts';
import { articleKeys, type BroaderOf, FILTER_FIELDS, type FilterField, filterAccepts, normalise } from './matching.js';

/**
 * Finds the subscriptions an article matches without looking at the others. Each subscription is filed
 * under the values of one field of its filter (the first given of entities, topics, tags, categories,
 * sources, languages: roughly the most selective first), or among the unfiltered ones. An article then
 * gathers candidates by its own values and checks only those against their whole filter, so the cost grows
 * with the number of candidates, not with the number of subscriptions.
 */
export class SubscriptionIndex {
  private readonly postings = new Map<string, Set<string>>();
  private readonly unfiltered = new Set<string>();
  private readonly byId = new Map<string, { subscription: Subscription; keys: string[] }>();

  get size(): number {
    return this.byId.size;
  }

  put(subscription: Subscription): void {
    this.remove(subscription.id);
    const keys = postingKeys(subscription);
    this.byId.set(subscription.id, { subscription, keys });
    if (keys.length === 0) this.unfiltered.add(subscription.id);
    for (const key of keys) {
      let ids = this.postings.get(key);
      if (!ids) {
        ids = new Set();
        this.postings.set(key, ids);
      }
      ids.add(subscription.id);
    }
  }

  remove(id: string): void {
    const known = this.byId.get(id);
    if (!known) return;
    this.byId.delete(id);
    this.unfiltered.delete(id);
    for (const key of known.keys) {
      const ids = this.postings.get(key);
      ids?.delete(id);
      if (ids?.size === 0) this.postings.delete(key);
    }
  }

  /** Every subscription whose filter the article satisfies. */
  match(record: Pick<EnrichedArticle, 'article' | 'enrichment'>, broaderOf?: BroaderOf): Subscription[] {
    const keys = articleKeys(record, broaderOf);
    const candidates = new Set(this.unfiltered);
    for (const field of FILTER_FIELDS) {
      for (const value of keys[field]) {
        const ids = this.postings.get(postingKey(field, value));
        if (ids) for (const id of ids) candidates.add(id);
      }
    }
    const matched: Subscription[] = [];
    for (const id of candidates) {
      const entry = this.byId.get(id);
      if (entry && filterAccepts(entry.subscription.filter, keys)) matched.push(entry.subscription);
    }
    return matched;
  }
}

const postingKey = (field: FilterField, value: string) => `${field}\u0000${value}`;

function postingKeys(subscription: Subscription): string[] {
  const filter = subscription.filter;
  if (!filter) return [];
  for (const field of FILTER_FIELDS) {
    const values = filter[field];
    if (values && values.length > 0) return [...new Set(values.map((v) => postingKey(field, normalise(v))))];
  }
  return [];
}
