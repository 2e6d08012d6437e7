/**
 * Reads a news page saved as text (as in `shared/seeds/`) or a plain-text article, and keeps what an editor
 * would keep: headline, categories, body paragraphs, photo captions with credits and the page's topic tags.
 * Everything else on such pages is furniture: video stubs, ALL-CAPS promo links, app adverts, share buttons
 * and the "Recent Posts" rail.
 */

export interface ParsedPage {
  headline: string;
  categories: string[];
  tags: string[];
  authors: string[];
  body: string[];
  images: Array<{ caption: string; credit?: string }>;
}

export class PageParseError extends Error {}

const CATEGORIES_LINE = /^categor(?:y|ies)\s*:\s*(.+)$/i;
const BYLINE = /^[Bb]y\s+(\p{Lu}[^.!?]{1,150})$/u;
const VIDEO_STUB = /^close video\b/i;
const END_OF_ARTICLE = /^(recent posts|more from|related articles|trending)$/i;
const TOPICS_HEADING = /^related topics$/i;
const BULLET = /^[•·\-*]\s*(.+)$/;
const SOCIAL_BUTTON = /^(share|print|email|comment|comments|tweet|facebook|twitter|copy link)$/i;
// A trailing parenthetical that names who took or supplied a picture, e.g. "(AP Photo/Jane Doe, File)".
const CREDIT_SUFFIX =
  /^(.*\S)\s*\(((?:credit:\s*)?[^()]*?(?:photo|handout|credit|getty|reuters|afp|images|courtesy|pool|file|screenshot|footage)[^()]*)\)\s*$/i;

/** True for promo links and app adverts, which such pages set in capitals. */
export function isShouting(line: string): boolean {
  const letters = line.match(/\p{L}/gu) ?? [];
  if (letters.length < 8) return false;
  const upper = letters.filter((c) => c === c.toUpperCase() && c !== c.toLowerCase()).length;
  return upper / letters.length >= 0.9 && line.trim().split(/\s+/).length >= 3;
}

export function parsePage(raw: string): ParsedPage {
  const lines = raw
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l.length > 0);

  const page: ParsedPage = { headline: '', categories: [], tags: [], authors: [], body: [], images: [] };
  let i = 0;
  const categoriesMatch = lines[0]?.match(CATEGORIES_LINE);
  if (categoriesMatch?.[1]) {
    page.categories = splitList(categoriesMatch[1]);
    i++;
  }
  const headline = lines[i++];
  if (!headline) throw new PageParseError('no headline: the text is empty');
  page.headline = headline;

  const byline = lines[i]?.match(BYLINE);
  if (byline?.[1]) {
    page.authors = byline[1].split(/\s*(?:,| and )\s*/).filter(Boolean);
    i++;
  }

  while (i < lines.length) {
    const line = lines[i++] as string;
    if (END_OF_ARTICLE.test(line)) break;
    if (VIDEO_STUB.test(line)) {
      i++; // the video's title
      if (lines[i] && CREDIT_SUFFIX.test(lines[i] as string)) i++; // and its description, which credits the footage
      continue;
    }
    if (TOPICS_HEADING.test(line)) {
      while (i < lines.length) {
        const bullet = (lines[i] as string).match(BULLET);
        if (!bullet?.[1]) break;
        page.tags.push(bullet[1]);
        i++;
      }
      continue;
    }
    if (SOCIAL_BUTTON.test(line) || isShouting(line)) continue;
    const caption = line.match(CREDIT_SUFFIX);
    if (caption?.[1] && caption[2]) {
      page.images.push({ caption: caption[1], credit: caption[2].replace(/^credit:\s*/i, '') });
      continue;
    }
    page.body.push(line);
  }
  if (page.body.length === 0) throw new PageParseError('no body: nothing after the headline is article text');
  return page;
}

function splitList(text: string): string[] {
  return text
    .split(/\s*[,;|]\s*/)
    .map((s) => s.trim())
    .filter(Boolean);
}
