/**
 * `npm run bench:match`: matching one enriched article against 1,000 … 100,000 subscriptions through the
 * index, against checking every filter in a loop on the same data, in the same process; medians per
 * article. Goal: median under 1 ms at 100,000 subscriptions.
 */
import type { EnrichedArticle, Subscription, SubscriptionFilter } from '@syndicate/contracts';
import { iptcVocabulary } from '@syndicate/enrichment/iptc';
import { articleKeys, filterAccepts, SubscriptionIndex } from '@syndicate/subscriptions';
import { fixed, median, table } from './support.js';

// A fixed pseudo-random sequence, so every run measures the same data.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(pool: T[]): T => pool[Math.floor(random() * pool.length)] as T;
const some = <T>(pool: T[], max: number) => Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(pool));

const vocabulary = iptcVocabulary();
const topics = vocabulary.concepts.map((c) => c.id);
const entities = Array.from({ length: 20_000 }, (_, i) => `person/someone-${i}`);
const tags = Array.from({ length: 2_000 }, (_, i) => `tag-${i}`);
const categories = Array.from({ length: 40 }, (_, i) => `Category ${i}`);
const sources = Array.from({ length: 30 }, (_, i) => `source-${i}`);

/** A mix of what partners ask for: mostly entities and topics, some tags and categories, a few everything. */
function randomFilter(): SubscriptionFilter | undefined {
  const r = random();
  if (r < 0.001) return undefined;
  if (r < 0.4) return { entities: some(entities, 3) };
  if (r < 0.7) return { topics: some(topics, 2), ...(random() < 0.3 ? { languages: ['en'] } : {}) };
  if (r < 0.9) return { tags: some(tags, 3), ...(random() < 0.5 ? { categories: [pick(categories)] } : {}) };
  return { categories: [pick(categories)], sources: [pick(sources)] };
}

function subscriptions(count: number): Subscription[] {
  return Array.from({ length: count }, (_, i) => {
    const filter = randomFilter();
    return {
      id: `sub-${i}`,
      type: 'partner-queue',
      partnerId: `p${i}`,
      format: 'native',
      createdAt: '2026-01-01T00:00:00Z',
      ...(filter ? { filter } : {}),
    };
  });
}

function article(): EnrichedArticle {
  return {
    type: 'article.published',
    article: {
      id: 'a',
      version: 1,
      headline: 'h',
      body: ['b'],
      authors: [],
      categories: some(categories, 2),
      tags: some(tags, 5),
      images: [],
      language: 'en',
      publishedAt: '2026-01-01T00:00:00Z',
      source: pick(sources),
    },
    enrichment: {
      entities: some(entities, 12).map((id) => ({ id, name: id, type: 'PERSON', mentions: [], salience: 1, externalIds: {} })),
      topics: some(topics, 5).map((id) => ({ id, label: id, score: 1, evidence: [] })),
      language: 'en',
      wordCount: 500,
      summary: '',
      engine: 'bench',
    },
    enrichedAt: '2026-01-01T00:00:00Z',
  };
}

const broaderOf = (id: string) => vocabulary.broader(id);
const ARTICLES = 2_000;
const rows = [];
for (const count of [1_000, 10_000, 100_000]) {
  const subs = subscriptions(count);
  const index = new SubscriptionIndex();
  const built = performance.now();
  for (const s of subs) index.put(s);
  const buildMs = performance.now() - built;
  const articles = Array.from({ length: ARTICLES }, article);

  const indexed: number[] = [];
  const looped: number[] = [];
  const matches: number[] = [];
  let agree = 0;
  for (const a of articles) {
    let t = performance.now();
    const viaIndex = index.match(a, broaderOf);
    indexed.push(performance.now() - t);
    t = performance.now();
    const keys = articleKeys(a, broaderOf);
    const viaLoop = subs.filter((s) => filterAccepts(s.filter, keys));
    looped.push(performance.now() - t);
    if (viaIndex.length === viaLoop.length) agree++;
    matches.push(viaIndex.length);
  }
  if (agree !== ARTICLES) throw new Error(`index and loop disagree on ${ARTICLES - agree} articles`);
  const sorted = [...indexed].sort((x, y) => x - y);
  rows.push([
    fixed(count),
    fixed(median(matches)),
    fixed(median(indexed) * 1_000, 1),
    fixed((sorted[Math.floor(sorted.length * 0.99)] ?? 0) * 1_000, 1),
    fixed(median(looped) * 1_000, 1),
    `${fixed(median(looped) / median(indexed), 0)}×`,
    fixed(buildMs, 0),
  ]);
}
console.log(`Node ${process.version}, ${ARTICLES} articles per size; index results checked against the loop.\n`);
console.log(
  table(
    ['subscriptions', 'matches (median)', 'index median µs', 'index p99 µs', 'loop median µs', 'index speed-up', 'index build ms'],
    rows,
  ),
);
