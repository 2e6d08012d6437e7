import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuTimeMs, HOSTILE_CPU_BUDGET_MS, HOSTILE_TEXTS } from '../hostile-texts.js';
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

  it('tells initialisms and abbreviations from sentence stops, and possessives from closing quotes', () => {
    const cases: Array<[string, string[]]> = [
      ['U.S..', ['U.S..']],
      ['U.S.).', ['U.S.', ')', '.']],
      ['(J.R.R.),', ['(', 'J.R.R.', ')', ',']],
      ['𝐀.𝐁.', ['𝐀.𝐁.']],
      ['É.U.', ['É.U.']],
      ['APPROX.).', ['APPROX.', ')', '.']],
      ['Approximately.', ['Approximately', '.']],
      ["boss'.", ['boss', "'", '.']],
      ["'s'.", ["'", 's', "'", '.']],
      ['1.2.', ['1.2', '.']],
      ['end...).', ['end', '...', ')', '.']],
      ['Mr..', ['Mr', '..']],
      ["Inc.'s", ['Inc.', "'s"]],
      ['U.S.’s', ['U.S.', '’s']],
    ];
    for (const [text, expected] of cases) expect(texts(text), text).toEqual(expected);
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

  // Peeling marks off the end of a chunk once looked at the whole rest of the chunk for each mark (a slice, a
  // regular expression, a lower-cased copy): a 1 MB chunk of ")." took minutes. Now each mark costs the same.
  // Sixteen 1 MB texts: 22 s on this 2-core machine, 73 s under a load of 20.
  it('splits 1 MB of each hostile pattern within its CPU budget (HOSTILE_CPU_BUDGET_MS)', { timeout: 180_000 }, () => {
    for (const [name, make] of Object.entries(HOSTILE_TEXTS)) {
      const text = make();
      const [tokens, ms] = cpuTimeMs(() => {
        const tokens = tokenize(text);
        sentences(text, tokens);
        return tokens;
      });
      expect.soft(ms, `${name}: ${Math.round(ms)} ms of CPU`).toBeLessThan(HOSTILE_CPU_BUDGET_MS);
      for (const token of [tokens[0], tokens.at(-1)]) expect(token && text.slice(token.start, token.end)).toBe(token?.text);
    }
  });
});

describe('tokenize chunks', () => {
  it('splits on exactly the white space /\\s/ knows', () => {
    // Every character \s matches, and some it does not (zero-width space, word joiner, ogham letter).
    const spaces = ' \t\n\v\f\r\u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
    const text = `a${[...spaces].join('b')}c\u200bd\u2060e`;
    const chunks = (text.match(/\S+/gu) ?? []).join('|');
    expect(
      tokenize(text)
        .map((t) => t.text)
        .join('|'),
    ).toBe(chunks);
    // Any UTF-16 string: every token lies inside one chunk, and every chunk is covered by its tokens.
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (random) => {
        const covered = tokenize(random)
          .map((t) => random.slice(t.start, t.end))
          .join('');
        expect(covered).toBe((random.match(/\S+/gu) ?? []).join(''));
      }),
      { numRuns: 1_000 },
    );
  });
});
