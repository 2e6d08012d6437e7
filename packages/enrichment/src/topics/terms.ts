/** The terms topic classification works on: lower-case content words, crudely stemmed, and adjacent pairs. */
import { words } from '../text-stats.js';

const STOPWORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours mr mrs ms said says say told also one two three new year years last first week month day time people would could may might must shall including related matters activities issues`.split(
    /\s+/,
  ),
);

/** Crude stemming: enough to let "soldiers" meet "soldier" and "elections" meet "election". */
export const stem = (w: string) =>
  w
    .replace(/['’]s?$/, '')
    .replace(/(?<=\w{3})(ies|es|s)$/, (m) => (m === 'ies' ? 'y' : ''))
    .replace(/(?<=\w{4})(ing|ed)$/, '');

// Stems of words seen before: stemming is three regular expressions, and news repeats its words.
const stems = new Map<string, string | null>();
const STEM_CACHE_WORDS = 100_000;

/** The stem of a content word, or null for a short word, a stop word or a number; remembered. */
function contentStem(word: string): string | null {
  let term = stems.get(word);
  if (term === undefined) {
    term = word.length < 3 || STOPWORDS.has(word) || /^\d/.test(word) ? null : stem(word);
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
