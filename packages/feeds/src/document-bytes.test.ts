import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeParts } from './document-bytes.js';

describe('encodeParts', () => {
  it('gives the bytes of the joined parts, ASCII, Latin-1, astral and lone surrogates alike', () => {
    const parts = ['plain ascii', 'café', 'naïve — 📰', '', 'lone \uD800 surrogate', 'ÿ'];
    expect(encodeParts(parts)).toEqual(Buffer.from(parts.join(''), 'utf8'));
  });

  it('agrees with Buffer.from on arbitrary whole-character parts', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' })), (parts) => {
        expect(encodeParts(parts)).toEqual(Buffer.from(parts.join(''), 'utf8'));
      }),
    );
  });
});
