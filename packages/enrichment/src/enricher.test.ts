import { describe, expect, it } from 'vitest';
import { Enricher } from './index.js';
import { leadSummary, slugify } from './text-stats.js';

const article = {
  headline: 'Port strike ends as dockers accept pay offer',
  body: [
    'Dock workers in Rotterdam ended a week-long strike on Friday after union leader Ingrid Bakker accepted a new pay offer from the port authority.',
    'Bakker said the deal protected jobs. Shipping companies had diverted vessels to Antwerp during the strike.',
  ],
  language: 'en',
};

describe('Enricher (first version)', () => {
  const result = new Enricher().enrich(article);

  it('finds people and places with offsets that point at their text', () => {
    const text = [article.headline, ...article.body].join('\n\n');
    for (const entity of result.entities) {
      for (const m of entity.mentions) expect(text.slice(m.start, m.end)).toBe(m.text);
    }
    const names = result.entities.map((e) => `${e.type}:${e.name}`);
    expect(names).toContain('LOCATION:Rotterdam');
    expect(names).toContain('PERSON:Ingrid Bakker');
  });

  it('merges a surname into the full name it abbreviates', () => {
    const bakker = result.entities.find((e) => e.name === 'Ingrid Bakker');
    expect(bakker?.mentions.map((m) => m.text)).toEqual(['Ingrid Bakker', 'Bakker']);
    expect(bakker?.id).toBe('person/ingrid-bakker');
  });

  it('scores topics from the IPTC vocabulary, and counts words and summarises the lead', () => {
    expect(result.topics.every((t) => /^medtop:\d{8}$/.test(t.id) && t.score > 0 && t.score <= 1)).toBe(true);
    expect(result.wordCount).toBeGreaterThan(40);
    expect(result.summary).toMatch(/^Dock workers in Rotterdam/);
  });

  it('copes with hostile text: empty, capitals only, no capitals, binary junk', () => {
    const enricher = new Enricher();
    for (const text of ['', 'ALL CAPITALS HEADLINE ABOUT NOTHING', 'no capital letters at all here', '\u0000\uFFFD\u0007'.repeat(100)]) {
      expect(() => enricher.enrich({ headline: text || 'x', body: [text], language: 'en' })).not.toThrow();
    }
  });
});

describe('text helpers', () => {
  it('slugifies with diacritics folded', () => {
    expect(slugify('Volodymyr Zelenskyy')).toBe('volodymyr-zelenskyy');
    expect(slugify('São Paulo')).toBe('sao-paulo');
  });
  it('cuts a long lead at a sentence end', () => {
    expect(leadSummary([`${'Word '.repeat(30)}ends here. ${'More '.repeat(60)}`], 200)).toMatch(/ends here\.$/);
  });
});
