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
    ['a control character', { headline: 'Bell\u0007 rings' }, 'control characters'],
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
