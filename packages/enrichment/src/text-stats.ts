/** Lower-case word tokens; apostrophes and hyphens inside words are kept. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/\p{L}[\p{L}\p{N}'’-]*/gu) ?? [];
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
