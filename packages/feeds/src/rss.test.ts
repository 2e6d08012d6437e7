import type { EnrichedArticle } from '@syndicate/contracts';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { renderRss } from './rss.js';

// XML 1.0 "Char" production; fast-xml-parser's validator checks structure but not this.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const wellFormed = (xml: string) => XMLValidator.validate(xml) === true && !NOT_XML_CHAR.test(xml);

const meta = { title: 'Test feed', selfUrl: 'http://127.0.0.1:8080/feeds/all.rss', siteUrl: 'http://127.0.0.1:8080' };

function item(id: string, headline: string, body: string[], extra: Partial<EnrichedArticle['article']> = {}): EnrichedArticle {
  return {
    type: 'article.published',
    article: {
      id,
      version: 1,
      headline,
      body,
      authors: [{ name: 'Ada Reporter' }],
      categories: ['World'],
      tags: [],
      images: [],
      language: 'en',
      publishedAt: '2026-11-01T10:00:00Z',
      source: 'newsroom',
      ...extra,
    },
    enrichment: {
      entities: [],
      topics: [{ id: 'medtop:16000000', label: 'conflict, war and peace', score: 1, evidence: [] }],
      language: 'en',
      wordCount: 3,
      summary: body[0] ?? '',
      engine: 'test',
    },
    enrichedAt: '2026-11-01T10:00:01Z',
  };
}

describe('renderRss', () => {
  it('writes an RSS 2.0 feed that a feed parser reads back item by item', async () => {
    const xml = renderRss(meta, [
      item('a1', 'First <b>story</b> & more', ['Body ]]> with <script>alert(1)</script>']),
      item('a2', 'Second', ['Two']),
    ]);
    expect(wellFormed(xml)).toBe(true);
    const feed = await new Parser().parseString(xml);
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]).toMatchObject({ title: 'First <b>story</b> & more', guid: 'urn:syndicate:article:a1', creator: 'Ada Reporter' });
    expect(feed.items[0]?.['content:encoded']).toContain('&lt;script&gt;');
    expect(feed.items[0]?.categories).toContain('World');
  });

  it('stays well-formed for any text (property test over arbitrary Unicode, markup and control characters)', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(']]>', '<![CDATA[', '&amp;', '\u0000\u0008\uFFFE', '\uD800'),
    );
    fc.assert(
      fc.property(hostile, hostile, (headline, paragraph) => {
        const xml = renderRss(meta, [item('p1', headline || 'x', [paragraph])]);
        return wellFormed(xml);
      }),
      { numRuns: 300 },
    );
  });
});
