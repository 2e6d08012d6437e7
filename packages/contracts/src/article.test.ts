import { describe, expect, it } from 'vitest';
import { ArticleData, ArticleSubmission, articleText } from './article.js';

const valid = {
  id: 'story-1',
  version: 1,
  headline: 'Harbour bridge reopens after repairs',
  body: ['The bridge reopened on Monday.', 'Traffic was light.'],
  publishedAt: '2026-11-01T10:00:00Z',
};

describe('ArticleData', () => {
  it('accepts a minimal article and fills defaults', () => {
    const article = ArticleData.parse(valid);
    expect(article.language).toBe('en');
    expect(article.tags).toEqual([]);
    expect(article.source).toBe('newsroom');
  });

  it.each([
    ['a lone surrogate (broken UTF-8 decoded lossily)', { body: ['half \uD800 a pair'] }, 'lone surrogate'],
    ['a blank headline', { headline: '   ' }, 'blank'],
    ['a multi-line headline', { headline: 'one\ntwo' }, 'single line'],
    ['an id with a slash', { id: 'a/b' }, 'must be 1-128'],
    ['no paragraphs', { body: [] }, 'at least one paragraph'],
    ['version 0', { version: 0 }, ''],
    ['a javascript: URL', { url: 'javascript:alert(1)' }, ''],
    ['a non-ISO date', { publishedAt: 'yesterday' }, ''],
  ])('rejects %s with a reason', (_name, patch, reason) => {
    const result = ArticleData.safeParse({ ...valid, ...patch });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(reason);
  });

  it('removes control characters instead of refusing the article; a vertical tab or form feed ends a line', () => {
    const article = ArticleData.parse({
      ...valid,
      headline: 'Bell\u0007 rings\u000Bout',
      standfirst: 'One\u000Btwo\u000Cthree\u0085four',
      body: ['Tab\tstays,\u0000 NUL, DEL\u007F and C1\u0092 go.', 'Line\r\nbreaks stay.'],
      images: [{ url: 'https://example.com/a\u000Bb.jpg', caption: 'A\u001Bcaption' }],
      url: 'https://example.com/story\u0007',
    });
    expect(article.headline).toBe('Bell rings out');
    expect(article.standfirst).toBe('One\ntwo\nthree\nfour');
    expect(article.body).toEqual(['Tab\tstays, NUL, DEL and C1 go.', 'Line\r\nbreaks stay.']);
    expect(article.images[0]).toEqual({ url: 'https://example.com/ab.jpg', caption: 'Acaption' });
    expect(article.url).toBe('https://example.com/story');
  });

  it('bounds the cleaned text, and a headline of nothing but control characters is blank', () => {
    expect(ArticleData.safeParse({ ...valid, headline: `${'h'.repeat(500)}\u0007` }).success).toBe(true);
    expect(JSON.stringify(ArticleData.safeParse({ ...valid, headline: '\u0007\u0008' }).error?.issues)).toContain('blank');
  });

  it('keeps markup-looking text as text (escaping is the renderers’ job)', () => {
    const article = ArticleData.parse({ ...valid, headline: 'A <b>bold</b> ]]> claim & more' });
    expect(article.headline).toBe('A <b>bold</b> ]]> claim & more');
  });
});

describe('ArticleSubmission', () => {
  it('lets the API fill id, version and publication time', () => {
    expect(ArticleSubmission.safeParse({ headline: 'h', body: ['p'] }).success).toBe(true);
  });
});

describe('articleText', () => {
  it('joins headline, standfirst and paragraphs with blank lines', () => {
    expect(articleText({ headline: 'H', standfirst: 'S', body: ['a', 'b'] })).toBe('H\n\nS\n\na\n\nb');
    expect(articleText({ headline: 'H', body: ['a'] })).toBe('H\n\na');
  });
});
