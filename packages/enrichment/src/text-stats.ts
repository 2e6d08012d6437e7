const LETTER = /^\p{L}$/u;
const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u;

/**
 * Lower-case word tokens; apostrophes and hyphens inside words are kept: what
 * `text.toLowerCase().match(/\p{L}[\p{L}\p{N}'’-]*\/gu)` finds (a test checks), read character by character,
 * ASCII without a regular expression (the Unicode one was a third of the topic classifier's time).
 */
export function words(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  const n = lower.length;
  let i = 0;
  while (i < n) {
    const c = lower.charCodeAt(i);
    let width = 1;
    let starts: boolean;
    if (c < 128) starts = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    else {
      const point = lower.codePointAt(i) as number;
      width = point > 0xffff ? 2 : 1;
      starts = LETTER.test(String.fromCodePoint(point));
    }
    if (!starts) {
      i += width;
      continue;
    }
    let j = i + width;
    while (j < n) {
      const d = lower.charCodeAt(j);
      if (d < 128) {
        if ((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || (d >= 48 && d <= 57) || d === 39 || d === 45) j++;
        else break;
      } else if (d === 0x2019) j++;
      else {
        const point = lower.codePointAt(j) as number;
        if (!LETTER_OR_NUMBER.test(String.fromCodePoint(point))) break;
        j += point > 0xffff ? 2 : 1;
      }
    }
    out.push(lower.slice(i, j));
    i = j;
  }
  return out;
}

/** Whitespace-separated words, counted without building them. */
export function wordCount(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space =
      c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x2028 || c === 0x2029 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/** The lead, cut at a sentence end near `maxChars` so a summary never stops mid-word. */
export function leadSummary(paragraphs: string[], maxChars = 300): string {
  const lead = paragraphs.find((p) => p.trim().length > 0)?.trim() ?? '';
  if (lead.length <= maxChars) return lead;
  const cut = lead.slice(0, maxChars);
  const sentenceEnd = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('? '), cut.lastIndexOf('! '));
  if (sentenceEnd > maxChars / 3) return cut.slice(0, sentenceEnd + 1);
  return `${cut.slice(0, cut.lastIndexOf(' '))}…`;
}

/** URL-safe slug: ASCII letters and digits, diacritics folded, hyphens between words. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
