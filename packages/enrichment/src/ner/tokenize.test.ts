import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sentences, tokenize } from './tokenize.js';

const texts = (text: string) => tokenize(text).map((t) => t.text);

describe('tokenize', () => {
  it('splits punctuation and possessives off words, as the CoNLL data does', () => {
    expect(texts('Zelenskyy\'s aide said: "We won."')).toEqual(['Zelenskyy', "'s", 'aide', 'said', ':', '"', 'We', 'won', '.', '"']);
    expect(texts('the ministers’ plan (in Kyiv), isn’t it?')).toEqual([
      'the',
      'ministers',
      '’',
      'plan',
      '(',
      'in',
      'Kyiv',
      ')',
      ',',
      'is',
      'n’t',
      'it',
      '?',
    ]);
  });

  it('keeps abbreviations, initialisms and hyphenated words whole, and splits dashes between words', () => {
    expect(texts('Mr. Yusov met U.S. officials in Ulan-Ude on 1996-08-22.')).toEqual([
      'Mr.',
      'Yusov',
      'met',
      'U.S.',
      'officials',
      'in',
      'Ulan-Ude',
      'on',
      '1996-08-22',
      '.',
    ]);
    expect(texts('war—and peace')).toEqual(['war', '—', 'and', 'peace']);
  });

  it('gives offsets that point at each token in the original text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        for (const token of tokenize(text)) expect(text.slice(token.start, token.end)).toBe(token.text);
      }),
    );
  });

  it('ends sentences at full stops, closing quotes and line breaks', () => {
    const text = 'Kyiv said so. "Moscow denied it." Then\nSeoul spoke';
    expect(sentences(text, tokenize(text)).map((s) => s.map((t) => t.text).join(' '))).toEqual([
      'Kyiv said so .',
      '" Moscow denied it . "',
      'Then',
      'Seoul spoke',
    ]);
  });
});
