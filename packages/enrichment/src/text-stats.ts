/** Lower-case word tokens; apostrophes and hyphens inside words are kept. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/\p{L}[\p{L}\p{N}'’-]*/gu) ?? [];
}

export function wordCount(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
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
