/** The terms topic classification works on: lower-case content words, crudely stemmed, and adjacent pairs. */
import { words } from '../text-stats.js';

const STOPWORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours mr mrs ms said says say told also one two three new year years last first week month day time people would could may might must shall including related matters activities issues`.split(
    /\s+/,
  ),
);

/**
 * Crude stemming: enough to let "soldiers" meet "soldier" and "elections" meet "election". A possessive 's goes;
 * then -ies becomes -y, or -es or -s goes, after at least three word characters; then -ing or -ed goes after at
 * least four. Written out by character rather than as three regular expressions: every word an article brings for
 * the first time is stemmed, and in a fresh process (`syndicate enrich`) that was a tenth of the topics' time.
 */
export function stem(word: string): string {
  let w = word;
  const last = w.charCodeAt(w.length - 1);
  if (last === APOSTROPHE || last === RIGHT_QUOTE) w = w.slice(0, -1);
  else if (last === S && w.length >= 2) {
    const before = w.charCodeAt(w.length - 2);
    if (before === APOSTROPHE || before === RIGHT_QUOTE) w = w.slice(0, -2);
  }
  if (endsWith(w, 'ies') && wordCharsBefore(w, w.length - 3, 3)) w = `${w.slice(0, -3)}y`;
  else if (endsWith(w, 'es') && wordCharsBefore(w, w.length - 2, 3)) w = w.slice(0, -2);
  else if (endsWith(w, 's') && wordCharsBefore(w, w.length - 1, 3)) w = w.slice(0, -1);
  if (endsWith(w, 'ing') && wordCharsBefore(w, w.length - 3, 4)) w = w.slice(0, -3);
  else if (endsWith(w, 'ed') && wordCharsBefore(w, w.length - 2, 4)) w = w.slice(0, -2);
  return w;
}

const APOSTROPHE = 39;
const RIGHT_QUOTE = 0x2019;
const S = 115;
const endsWith = (w: string, suffix: string) => w.length >= suffix.length && w.endsWith(suffix);

/** Whether the `count` characters before `end` are word characters as a regular expression's \w means them. */
function wordCharsBefore(w: string, end: number, count: number): boolean {
  if (end < count) return false;
  for (let i = end - count; i < end; i++) {
    const c = w.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

// Stems of words seen before: stemming is three regular expressions, and news repeats its words.
const stems = new Map<string, string | null>();
const STEM_CACHE_WORDS = 100_000;

/** The stem of a content word, or null for a short word, a stop word or a number; remembered. */
function contentStem(word: string): string | null {
  let term = stems.get(word);
  if (term === undefined) {
    const first = word.charCodeAt(0);
    term = word.length < 3 || STOPWORDS.has(word) || (first >= 48 && first <= 57) ? null : stem(word);
    if (stems.size >= STEM_CACHE_WORDS) stems.clear();
    stems.set(word, term);
  }
  return term;
}

/** Content-word stems of `text`, in order. */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    const term = contentStem(w);
    if (term !== null) out.push(term);
  }
  return out;
}

/**
 * Term frequencies of stems and of adjacent stem pairs ("interest rate", "prime minist"), and the first word
 * that gave each stem ("soldiers" for "soldier"): evidence an editor can read.
 */
export function termCountsAndForms(
  text: string,
  /** Only these pairs (second stems by first) are counted; all when absent. Most pairs matter to nobody. */
  pairsWanted?: ReadonlyMap<string, ReadonlySet<string>>,
): { counts: Map<string, number>; forms: Map<string, string> } {
  const counts = new Map<string, number>();
  const forms = new Map<string, string>();
  let previous: string | undefined;
  for (const w of words(text)) {
    const term = contentStem(w);
    if (term === null) continue;
    const seen = counts.get(term);
    counts.set(term, (seen ?? 0) + 1);
    if (seen === undefined) forms.set(term, w);
    if (previous !== undefined && (!pairsWanted || pairsWanted.get(previous)?.has(term))) {
      const pair = `${previous} ${term}`;
      counts.set(pair, (counts.get(pair) ?? 0) + 1);
    }
    previous = term;
  }
  return { counts, forms };
}

/** Term frequencies of stems and of adjacent stem pairs ("interest rate", "prime minist"). */
export function termCounts(text: string): Map<string, number> {
  return termCountsAndForms(text).counts;
}
