import { describe, expect, it } from 'vitest';
import { countControlChars, stripControlChars } from './text.js';

describe('stripControlChars', () => {
  it('keeps tab, LF and CR, turns VT, FF and NEL into line breaks and drops the rest of C0, DEL and C1', () => {
    expect(stripControlChars('a\tb\nc\r\nd')).toBe('a\tb\nc\r\nd');
    expect(stripControlChars('a\u000Bb\u000Cc\u0085d')).toBe('a\nb\nc\nd');
    expect(stripControlChars('a\u0000b\u0007c\u001Fd\u007Fe\u0080f\u009Fg')).toBe('abcdefg');
    expect(stripControlChars('one\u000Btwo', ' ')).toBe('one two');
  });

  it('leaves text without control characters as it is, other Unicode included', () => {
    const text = 'Zoë’s café – “quoted” \u00A0 ünïcode 😀';
    expect(stripControlChars(text)).toBe(text);
  });
});

describe('countControlChars', () => {
  it('counts what stripControlChars changes in every string of a value', () => {
    expect(countControlChars({ headline: 'a\u000Bb', body: ['\u0000\u0001', 'clean'], n: 3, images: [{ caption: '\u007F' }] })).toBe(4);
    expect(countControlChars('a\tb\n')).toBe(0);
    expect(countControlChars(null)).toBe(0);
  });
});
