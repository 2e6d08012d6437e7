import { describe, expect, it } from 'vitest';
import { rfc3339 } from './document.js';
import { renderJsonFeed } from './json-feed.js';
import { sampleDocument, sampleItem } from './test-fixtures.js';
import { paragraphsToHtml } from './xml-text.js';

const render = (...items: ReturnType<typeof sampleItem>[]) => renderJsonFeed(sampleDocument(items)).toString('utf8');

describe('renderJsonFeed', () => {
  it('writes each body as the JSON string of its HTML, line feeds and all', () => {
    const body = ['First paragraph with "quotes" & <tags>.', 'Second — with a dash, ünïcödé and an emoji 📰.'];
    const feed = JSON.parse(render(sampleItem('a', 'A', body), sampleItem('b', 'B', ['Only one'])));
    expect(feed.items.map((i: { content_html: string }) => i.content_html)).toEqual([paragraphsToHtml(body), '<p>Only one</p>']);
  });

  it('escapes what a body can still hold: backslashes, tabs, carriage returns, U+2028/9', () => {
    const body = ['a \\ backslash', 'a\ttab', 'a\r\ncarriage return', 'line\u2028and paragraph\u2029separators'];
    const json = render(sampleItem('a', 'Headline with \u2028 in it', body));
    expect(json).not.toMatch(/[\u2028\u2029\t\r]/);
    const feed = JSON.parse(json);
    expect(feed.items[0].content_html).toBe(paragraphsToHtml(body));
    expect(feed.items[0].title).toBe('Headline with \u2028 in it');
  });

  it('keeps the feed valid with no items and with archive links', () => {
    const feed = JSON.parse(renderJsonFeed({ ...sampleDocument([]), links: { self: 's', alternate: 'a', prevArchive: 'p' } }).toString());
    expect(feed).toMatchObject({ version: 'https://jsonfeed.org/version/1.1', items: [], next_url: 'p' });
  });
});

describe('rfc3339', () => {
  it('passes RFC 3339 timestamps through and normalises the rest to UTC', () => {
    expect(rfc3339('2026-11-01T10:00:00Z')).toBe('2026-11-01T10:00:00Z');
    expect(rfc3339('2026-11-01T10:00:00.123+01:00')).toBe('2026-11-01T10:00:00.123+01:00');
    // Minute precision is valid for the article schema but not for RFC 3339.
    expect(rfc3339('2026-11-01T10:00+01:00')).toBe('2026-11-01T09:00:00.000Z');
  });
});
