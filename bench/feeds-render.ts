/**
 * Rendering 100 full-text items: our renderers against the `feed` npm package on the same items, in the same
 * process, alternating, median of several runs.
 *
 * Two cases. "stored": items as the feed store hands them out, the body already HTML (made once per article
 * version) — both libraries get that same HTML string. "cold": the body as paragraphs, so both pay for
 * escaping it (the `feed` package is given our paragraphsToHtml output, made inside its timing). Both
 * timings end with the document encoded as UTF-8 bytes, ready to send.
 */
import type { FeedItem } from '@syndicate/feeds';
import { FEED_FORMATS, paragraphsToHtml } from '@syndicate/feeds';
import { Feed } from 'feed';
import { benchDocument, benchItems, ids } from './fixtures.js';
import { fixed, median, table } from './support.js';

const ITEMS = 100;
// Many short rounds, each timing both sides back to back: this machine's speed drifts by up to 2× over
// seconds, so the speed-up is the median of per-round ratios, not a ratio of two medians.
const ROUNDS = 31;
const ITERATIONS = 10;
const WARM_UP = 30;

function withFeedPackage(items: FeedItem[]): Feed {
  const feed = new Feed({
    title: 'Bench feed',
    id: 'https://bench.example',
    link: 'https://bench.example',
    copyright: 'bench',
    updated: new Date(),
  });
  for (const { article, enrichment, bodyHtml } of items) {
    feed.addItem({
      title: article.headline,
      id: ids.entry(article.id),
      link: article.url ?? '',
      description: article.standfirst,
      content: bodyHtml ?? paragraphsToHtml(article.body),
      author: article.authors.map((a) => ({ name: a.name })),
      date: new Date(article.publishedAt),
      category: [...article.categories.map((name) => ({ name })), ...enrichment.topics.map((t) => ({ name: t.label, domain: t.id }))],
      image: article.images[0]?.url,
    });
  }
  return feed;
}

/**
 * The document as the bytes a server sends: both libraries build strings by concatenation, which V8 keeps as
 * ropes until something reads them, so timing the string alone would leave the copying out for both.
 */
const bytes = (document: string) => Buffer.from(document, 'utf8');

function timeMs(fn: () => unknown): number {
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) fn();
  return (performance.now() - started) / ITERATIONS;
}

export function renderBenchmark(): string {
  const cold = benchItems(ITEMS);
  const stored: FeedItem[] = cold.map((item) => ({ ...item, bodyHtml: paragraphsToHtml(item.article.body) }));
  const rows = [];
  for (const [label, items] of [
    ['stored', stored],
    ['cold', cold],
  ] as const) {
    const doc = benchDocument(items);
    const pairs = [
      ['rss', () => FEED_FORMATS.rss.render(doc), () => bytes(withFeedPackage(items).rss2())],
      ['atom', () => FEED_FORMATS.atom.render(doc), () => bytes(withFeedPackage(items).atom1())],
      ['json', () => FEED_FORMATS.json.render(doc), () => bytes(withFeedPackage(items).json1())],
    ] as const;
    for (const [format, ours, theirs] of pairs) {
      for (let i = 0; i < WARM_UP; i++) {
        ours();
        theirs();
      }
      const oursMs: number[] = [];
      const theirsMs: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        oursMs.push(timeMs(ours));
        theirsMs.push(timeMs(theirs));
        ratios.push((theirsMs.at(-1) as number) / (oursMs.at(-1) as number));
      }
      const sorted = ratios.toSorted((x, y) => x - y);
      const quartiles = `${fixed(sorted[Math.floor(ROUNDS / 4)] as number, 1)}–${fixed(sorted[Math.floor((3 * ROUNDS) / 4)] as number, 1)}`;
      rows.push([`${format} (${label})`, fixed(median(oursMs), 2), fixed(median(theirsMs), 2), `${fixed(median(ratios), 1)}×`, quartiles]);
    }
  }
  return `Rendering ${ITEMS} full-text items, ${ROUNDS} rounds × ${ITERATIONS} renders each side, medians:\n\n${table(['format', 'Syndicate ms', '`feed` package ms', 'speed-up', 'middle half of rounds'], rows)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(renderBenchmark());
