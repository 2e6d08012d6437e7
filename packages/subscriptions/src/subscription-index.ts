import type { EnrichedArticle, Subscription } from '@syndicate/contracts';
import { type ArticleKeys, articleKeys, type BroaderOf, FILTER_FIELDS, type FilterField, normalise } from './matching.js';

interface Entry {
  subscription: Subscription;
  postings: string[];
  /** The filter's other fields, normalised once: what a candidate must still satisfy. */
  rest: Array<[FilterField, string[]]>;
  /** The match() call that last saw this entry, so a subscription reached twice is counted once. */
  seen: number;
}

/**
 * Finds the subscriptions an article matches without looking at the others. Each subscription is filed
 * under the values of one field of its filter (the first given of entities, topics, tags, categories,
 * sources, languages: roughly the most selective first), or among the unfiltered ones. An article gathers
 * candidates by its own values — being found under a value already satisfies that field — and checks only
 * the candidates' other fields, so the cost grows with the number of candidates, not of subscriptions.
 */
export class SubscriptionIndex {
  private readonly postings = new Map<string, Entry[]>();
  private readonly unfiltered = new Map<string, Entry>();
  private readonly byId = new Map<string, Entry>();
  private generation = 0;

  get size(): number {
    return this.byId.size;
  }

  put(subscription: Subscription): void {
    this.remove(subscription.id);
    const filter = subscription.filter ?? {};
    const given = FILTER_FIELDS.filter((f) => (filter[f]?.length ?? 0) > 0);
    const [first, ...others] = given;
    const entry: Entry = {
      subscription,
      postings: first ? [...new Set((filter[first] ?? []).map((v) => postingKey(first, normalise(v))))] : [],
      rest: others.map((f) => [f, (filter[f] ?? []).map(normalise)]),
      seen: 0,
    };
    this.byId.set(subscription.id, entry);
    if (!first) this.unfiltered.set(subscription.id, entry);
    for (const key of entry.postings) {
      const list = this.postings.get(key);
      if (list) list.push(entry);
      else this.postings.set(key, [entry]);
    }
  }

  remove(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    this.unfiltered.delete(id);
    for (const key of entry.postings) {
      const list = this.postings.get(key)?.filter((e) => e !== entry);
      if (list && list.length > 0) this.postings.set(key, list);
      else this.postings.delete(key);
    }
  }

  /** Every subscription whose filter the article satisfies. */
  match(record: Pick<EnrichedArticle, 'article' | 'enrichment'>, broaderOf?: BroaderOf): Subscription[] {
    const keys = articleKeys(record, broaderOf);
    const generation = ++this.generation;
    const matched: Subscription[] = [];
    const consider = (entry: Entry) => {
      if (entry.seen === generation) return;
      entry.seen = generation;
      if (satisfies(entry.rest, keys)) matched.push(entry.subscription);
    };
    for (const entry of this.unfiltered.values()) consider(entry);
    for (const field of FILTER_FIELDS) {
      for (const value of keys[field]) {
        const list = this.postings.get(postingKey(field, value));
        if (list) for (const entry of list) consider(entry);
      }
    }
    return matched;
  }
}

function satisfies(rest: Entry['rest'], keys: ArticleKeys): boolean {
  for (const [field, wanted] of rest) {
    const have = keys[field];
    if (!wanted.some((w) => have.has(w))) return false;
  }
  return true;
}

const postingKey = (field: FilterField, value: string) => `${field}\u0000${value}`;
