import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArticleInput } from './index.js';
import { isShouting, PageParseError, parsePage } from './page-parser.js';

// The seed page is third-party text: read from ../shared at test time, never copied into the repo.
const SEED = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'seeds', '000_6082e137c817fc36.txt');

describe('parsePage on the seed article', () => {
  const page = parsePage(readFileSync(SEED, 'utf8'));

  it('finds the headline and category', () => {
    expect(page.headline).toBe('Ukraine has captured 2 North Korean soldiers, South Korea’s intelligence service says');
    expect(page.categories).toEqual(['World']);
  });

  it('takes the Related Topics as tags', () => {
    expect(page.tags).toEqual(['Ukraine', 'Russia', 'North Korea', 'South Korea', 'Worldwide Conflicts', 'World']);
  });

  it('keeps the body paragraphs, in order, and nothing else', () => {
    expect(page.body[0]).toMatch(/^Ukraine captured two wounded North Korean soldiers/);
    expect(page.body.at(-1)).toBe('The Associated Press contributed to this report.');
    expect(page.body).toHaveLength(13);
    const all = page.body.join('\n');
    for (const furniture of [
      'close Video',
      'TRUMP',
      'CLICK TO GET',
      'Share',
      'Recent Posts',
      'Oregon legislature',
      'minutes ago',
      'Related Topics',
    ]) {
      expect(all).not.toContain(furniture);
    }
  });

  it('turns photo captions into images with their credits, and leaves the video stub out', () => {
    expect(page.images).toHaveLength(3);
    expect(page.images[0]).toEqual({
      caption: expect.stringMatching(/^In this unverified photo shared by the Ukrainian military/),
      credit: 'Ukraine Military handout',
    });
    expect(page.images[2]?.credit).toBe('AP Photo/Jon Chol Jin, File');
    expect(page.images.some((i) => i.credit?.includes('Security Service'))).toBe(false);
  });
});

// Pages of the same kind, written for these tests.
const VARIANT = `Categories: Science, Space

Lunar rover finds ice in a shadowed crater, agency says

By Maria Okafor and Tom Reyes

close Video

Rover team explains the find

Engineers describe the first drive into the crater. (Credit: Example Space Agency)

A small rover operated by the Example Space Agency has found water ice inside a permanently shadowed crater near the lunar south pole, officials said on Tuesday.

The discovery could supply future crews with drinking water and fuel.

WATCH: HOW THE ROVER SURVIVES THE LUNAR NIGHT

The rover parked beside the crater rim before its descent. (Example Space Agency/Getty Images)

Mission scientists will publish their measurements next month.

DOWNLOAD OUR NEWS APP TODAY

Related Topics

  • Space
  • Moon
Share

Recent Posts

Another story entirely

Its teaser text that must not appear…

5 minutes ago`;

describe('parsePage on other pages of the same kind', () => {
  const page = parsePage(VARIANT);

  it('reads several categories and the byline', () => {
    expect(page.categories).toEqual(['Science', 'Space']);
    expect(page.authors).toEqual(['Maria Okafor', 'Tom Reyes']);
  });

  it('keeps only article text, captions and topics', () => {
    expect(page.body).toEqual([
      expect.stringMatching(/^A small rover operated by/),
      'The discovery could supply future crews with drinking water and fuel.',
      'Mission scientists will publish their measurements next month.',
    ]);
    expect(page.images).toEqual([
      { caption: 'The rover parked beside the crater rim before its descent.', credit: 'Example Space Agency/Getty Images' },
    ]);
    expect(page.tags).toEqual(['Space', 'Moon']);
  });

  it('reads a plain-text article: headline first, then paragraphs', () => {
    const plain = parsePage('Council approves new cycle lanes\n\nThe city council voted 7-2 on Thursday.\n\nWork starts in spring.');
    expect(plain).toMatchObject({
      headline: 'Council approves new cycle lanes',
      categories: [],
      body: ['The city council voted 7-2 on Thursday.', 'Work starts in spring.'],
    });
  });

  it('refuses empty text and a headline without a body, saying why', () => {
    expect(() => parsePage('')).toThrow(PageParseError);
    expect(() => parsePage('\n\n  \n')).toThrow(/no headline/);
    expect(() => parsePage('Just a headline')).toThrow(/no body/);
  });
});

describe('isShouting', () => {
  it('spots promo lines set in capitals but not short acronyms or normal sentences', () => {
    expect(isShouting('CLICK HERE TO GET THE APP')).toBe(true);
    expect(isShouting('NATO and the EU met.')).toBe(false);
    expect(isShouting('SBU')).toBe(false);
  });
});

describe('parseArticleInput', () => {
  const now = new Date('2026-01-02T03:04:05Z');

  it('gives a page a stable id, version 1 and the given time', () => {
    const a = parseArticleInput(VARIANT, { now });
    const b = parseArticleInput(VARIANT, { now });
    expect(a.id).toBe(b.id);
    expect(a).toMatchObject({ version: 1, publishedAt: now.toISOString(), language: 'en' });
  });

  it('accepts an event as `syndicate parse` prints it, and a bare article', () => {
    const event = { type: 'article.published', data: { headline: 'H', body: ['p'], id: 'x1', version: 3 } };
    expect(parseArticleInput(JSON.stringify(event), { now })).toMatchObject({ id: 'x1', version: 3 });
    expect(parseArticleInput(JSON.stringify(event.data), { now }).id).toBe('x1');
  });

  it('removes control characters as the API does, and rejects what is not an article with a validation error', () => {
    expect(parseArticleInput('Headline\n\nA paragraph with a bell \u0007 in it.', { now }).body).toEqual([
      'A paragraph with a bell  in it.',
    ]);
    const json = JSON.stringify({ headline: 'Vertical\u000Btab', body: ['one\u000Btwo'] });
    expect(parseArticleInput(json, { now })).toMatchObject({ headline: 'Vertical tab', body: ['one\ntwo'] });
    expect(() => parseArticleInput('{"headline": 42}', { now })).toThrow();
  });
});
