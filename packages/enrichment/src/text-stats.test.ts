import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { words } from './text-stats.js';

const byRegex = (text: string) => text.toLowerCase().match(/\p{L}[\p{L}\p{N}'’-]*/gu) ?? [];

describe('words', () => {
  it('finds what the regular expression it replaces finds', () => {
    // Written for this test: punctuation, apostrophes, hyphens, digits, accents, other scripts, astral letters.
    for (const text of ["Kyiv's mayor—and 2 North-Koreans’ guards", 'Ça va? ÉTÉ 2024: naïve 3rd', 'Москва 東京 𝒜bc 12ab', '', "''--'x"]) {
      expect(words(text)).toEqual(byRegex(text));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(words(text)).toEqual(byRegex(text));
      }),
      { numRuns: 2_000 },
    );
  });
});
