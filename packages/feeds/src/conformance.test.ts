/**
 * Feeds against outside checkers, over arbitrary text: every generated RSS and Atom document is well-formed
 * for xmllint and clean for Debian's python3-feedparser (bozo 0, every item present), and every JSON Feed
 * validates against the JSON Feed 1.1 schema. (scripts/ensure-system-tools.sh installs the checkers.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAtom } from './atom.js';
import { renderJsonFeed } from './json-feed.js';
import { renderRss } from './rss.js';
import { sampleDocument, sampleItem } from './test-fixtures.js';

const workDir = mkdtempSync(join(tmpdir(), 'feeds-conformance-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// Text as hostile as a CMS can send: any Unicode (astral, combining, RTL), markup, CDATA terminators,
// entities, and characters XML 1.0 forbids (C0 controls, U+FFFE, lone surrogates).
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    ']]>',
    '<![CDATA[x]]>',
    '&amp; &#0; &nbsp;',
    '<script>alert(1)</script>',
    '\u0000\u0008\u000B\uFFFE\uFFFF',
    '\uD800x\uDFFF',
    '\u202Eevil',
    '𝒳 🧪 e\u0301',
  ),
);
const nonEmpty = hostile.map((s) => (s.trim() === '' ? 'x' : s));

const article = fc.record({
  headline: nonEmpty,
  body: fc.array(hostile, { minLength: 1, maxLength: 3 }),
  author: nonEmpty,
  category: nonEmpty,
  tag: nonEmpty,
  caption: hostile,
  standfirst: fc.option(hostile, { nil: undefined }),
});
const feedSample = fc.record({ title: nonEmpty, articles: fc.array(article, { minLength: 1, maxLength: 4 }), withdrawn: fc.boolean() });

const SAMPLES = fc.sample(feedSample, { numRuns: 60, seed: 20261127 });
const documents = SAMPLES.map((sample, n) => {
  const items = sample.articles.map((a, i) =>
    sampleItem(`p${n}-${i}`, a.headline, a.body, {
      authors: [{ name: a.author }],
      categories: [a.category],
      tags: [a.tag],
      standfirst: a.standfirst,
      images: [{ url: `https://img.example/${n}/${i}.jpg`, caption: a.caption, credit: a.author }],
      updatedAt: '2026-11-02T08:00:00Z',
    }),
  );
  return {
    ...sampleDocument(items, sample.withdrawn ? [{ id: `gone-${n}`, withdrawnAt: '2026-11-03T00:00:00Z' }] : []),
    title: sample.title,
  };
});

function writeAll(extension: string, render: (doc: (typeof documents)[number]) => Buffer): string[] {
  return documents.map((doc, i) => {
    const file = join(workDir, `${i}.${extension}`);
    writeFileSync(file, render(doc));
    return file;
  });
}

const FEEDPARSER = `
import feedparser, json, sys
out = []
for path in sys.argv[1:]:
    d = feedparser.parse(path)
    out.append({"path": path, "bozo": int(bool(d.bozo)), "error": str(d.get("bozo_exception", "")), "entries": len(d.entries),
                "ids": [e.get("id") for e in d.entries], "titles": [e.get("title") for e in d.entries]})
print(json.dumps(out))
`;

function feedparser(files: string[]) {
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', FEEDPARSER, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  ) as Array<{
    path: string;
    bozo: number | boolean;
    error: string;
    entries: number;
    ids: string[];
  }>;
}

describe.each([
  ['rss', renderRss],
  ['atom', renderAtom],
])('%s over arbitrary text', (extension, render) => {
  const files = writeAll(extension, render);

  it('is well-formed for xmllint', () => {
    // Throws (with xmllint's complaint) on the first malformed document.
    execFileSync('xmllint', ['--noout', ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
  });

  it('is read by feedparser without complaint and with every item', () => {
    const results = feedparser(files);
    results.forEach((result, i) => {
      const doc = documents[i]!;
      expect({ file: result.path, bozo: result.bozo, error: result.error }).toEqual({ file: result.path, bozo: 0, error: '' });
      expect(result.entries).toBe(doc.items.length);
      expect(result.ids).toEqual(doc.items.map((item) => doc.entryId(item.article.id)));
    });
  });
});

describe('JSON Feed over arbitrary text', () => {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schemas', 'json-feed-1.1.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);

  it('validates against the JSON Feed 1.1 schema and keeps every item and its text', () => {
    for (const doc of documents) {
      const feed = JSON.parse(renderJsonFeed(doc).toString());
      expect(validate(feed), JSON.stringify(validate.errors)).toBe(true);
      expect(feed.items.map((i: { id: string }) => i.id)).toEqual(doc.items.map((item) => doc.entryId(item.article.id)));
      expect(feed.items[0].title).toBe(doc.items[0]?.article.headline);
    }
  });
});

describe('Atom tombstones', () => {
  it('writes RFC 6721 deleted-entry elements that reference the entry id', () => {
    const xml = renderAtom(
      sampleDocument([sampleItem('live', 'Live', ['x'])], [{ id: 'dead', withdrawnAt: '2026-11-03T00:00:00.000Z' }]),
    ).toString();
    expect(xml).toContain('<at:deleted-entry ref="tag:feeds.test,2026-01-01:article:dead" when="2026-11-03T00:00:00.000Z">');
    expect(xml).toContain('xmlns:at="http://purl.org/atompub/tombstones/1.0"');
  });
});
