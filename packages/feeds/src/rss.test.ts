import { XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { renderRss } from './rss.js';
import { sampleDocument, sampleItem } from './test-fixtures.js';

describe('renderRss', () => {
  it('writes an RSS 2.0 feed that a feed parser reads back item by item', async () => {
    const doc = sampleDocument([
      sampleItem('a1', 'First <b>story</b> & more', ['Body ]]> with <script>alert(1)</script>'], {
        images: [
          { url: 'https://img.example/1.jpg', caption: 'A harbour at dawn', credit: 'Jo Lens' },
          { caption: 'no url, no media element' },
        ],
      }),
      sampleItem('a2', 'Second', ['Two']),
    ]);
    const xml = renderRss(doc).toString();
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = await new Parser({ customFields: { item: [['media:content', 'media', { keepArray: true }]] } }).parseString(xml);
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]).toMatchObject({
      title: 'First <b>story</b> & more',
      guid: 'tag:feeds.test,2026-01-01:article:a1',
      creator: 'Ada Reporter',
    });
    expect((feed.items[0] as unknown as Record<string, unknown>)['content:encoded']).toContain('&lt;script&gt;');
    expect(feed.items[0]?.categories).toContain('World');
    expect(feed.items[0]?.media).toHaveLength(1);
    expect(xml).toContain('<media:credit>Jo Lens</media:credit>');
    expect(xml).toContain('rel="hub"');
    expect(xml).toContain('domain="http://cv.iptc.org/newscodes/mediatopic/16000000"');
  });

  it('marks archive pages (RFC 5005) and links back to the current feed', () => {
    const xml = renderRss({
      ...sampleDocument([sampleItem('a', 'A', ['x'])]),
      archive: true,
      links: { self: 's', alternate: 'a', current: 'c', prevArchive: 'p' },
    }).toString();
    expect(xml).toContain('<fh:archive/>');
    expect(xml).toContain('rel="current"');
    expect(xml).toContain('rel="prev-archive"');
  });
});
