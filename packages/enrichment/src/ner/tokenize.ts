/**
 * Splits raw text into tokens and sentences the way the CoNLL-2003 training data is tokenised, so the tagger
 * sees at run time what it saw in training: punctuation apart, "'s" apart ("Zelenskyy 's"), abbreviations
 * ("U.S.", "Mr.") and hyphenated words whole. Every token keeps its offsets into the original string.
 */

export interface Token {
  text: string;
  start: number;
  end: number;
}

// Characters that open or close a word without belonging to it (one UTF-16 unit each).
const LEADING = new Set('([{"\'“‘«„‹¿¡*•–—-');
const TRAILING = new Set(')]}"\'”’»›,;:!?…*');
const POSSESSIVE = /^(.+?)(['’][sS]?)$/u;
const NEGATION = /^(.+?)(n['’]t)$/iu;
// One letter and its full stop, the unit an initialism ("U.S.", "J.R.R.") is made of; sticky, so it is
// matched step by step from the start of a word (see initialismEnds).
const LETTER_STOP = /\p{L}\./uy;
// Words whose trailing full stop is part of the word, not the end of the sentence.
const ABBREVIATIONS = new Set(
  'mr mrs ms dr st jr sr inc corp ltd co gen lt col sgt gov sen rep rev prof vs etc no mt ft jan feb mar apr aug sep sept oct nov dec adm capt maj cmdr pres bros dept est approx fig'.split(
    ' ',
  ),
);
// Lower-casing never shortens a string to less than half (an astral capital has a BMP small letter at
// best), so a word longer than twice this can be no abbreviation, and need not be lower-cased to know it.
const LONGEST_ABBREVIATION = Math.max(...[...ABBREVIATIONS].map((a) => a.length));
// Dashes inside a chunk separate words ("war—and"); hyphens do not ("Ulan-Ude").
const INNER_DASH = /[–—]/u;

/** What `\s` matches in a JavaScript regular expression. */
const isSpace = (c: number) =>
  c === 32 ||
  (c >= 9 && c <= 13) ||
  (c >= 0x80 &&
    (c === 0xa0 ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x202f ||
      c === 0x205f ||
      c === 0x3000 ||
      c === 0xfeff));

/** Tokens of `text` with offsets, end exclusive. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // The chunks `/\S+/gu` would find, found without a match object each.
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(text.charCodeAt(i))) i++;
    splitChunk(text.slice(start, i), start, tokens);
  }
  return tokens;
}

function splitChunk(chunk: string, offset: number, out: Token[]): void {
  let start = 0;
  let end = chunk.length;
  // Pushed one by one and the tail reversed at the end: a chunk of 200,000 quotes must not overflow the
  // stack (spread) or take quadratic time (unshift).
  const tail: Token[] = [];
  while (start < end && LEADING.has(chunk[start] as string)) {
    out.push({ text: chunk[start] as string, start: offset + start, end: offset + start + 1 });
    start++;
  }
  // Every step below costs the same however long the chunk: a chunk of 500,000 ")." peels 1,000,000 marks
  // off its end, and looking at the whole rest of it each time took minutes.
  let initialisms: number[] | undefined;
  for (;;) {
    if (end <= start) break;
    const last = chunk[end - 1] as string;
    if (last === '.') {
      // "U.S." and "Mr." keep their stop; "...", "end." and "2.5." do not.
      initialisms ??= initialismEnds(chunk, start);
      if (isInitialism(initialisms, end) || isAbbreviation(chunk, start, end - 1)) break;
      let dots = end - 1;
      while (dots > start && chunk[dots - 1] === '.') dots--;
      tail.push({ text: chunk.slice(dots, end), start: offset + dots, end: offset + end });
      end = dots;
      continue;
    }
    // A closing apostrophe after an "s" is the plural possessive ("ministers'"), kept for the step below.
    const before = chunk[end - 2];
    if (TRAILING.has(last) && !((last === "'" || last === '’') && (before === 's' || before === 'S') && end - start > 2)) {
      tail.push({ text: last, start: offset + end - 1, end: offset + end });
      end--;
      continue;
    }
    break;
  }
  let word = chunk.slice(start, end);
  // "Zelenskyy's" -> "Zelenskyy" "'s"; "ministers'" -> "ministers" "'"; "don't" -> "do" "n't".
  const possessive = word.length > 2 ? (NEGATION.exec(word) ?? POSSESSIVE.exec(word)) : null;
  if (possessive?.[1] && possessive[2] && /\p{L}/u.test(possessive[1])) {
    const cut = start + possessive[1].length;
    tail.push({ text: chunk.slice(cut, end), start: offset + cut, end: offset + end });
    end = cut;
    word = chunk.slice(start, end);
  }
  if (word) {
    let from = start;
    for (const part of word.split(INNER_DASH)) {
      if (part) out.push({ text: part, start: offset + from, end: offset + from + part.length });
      from += part.length;
      if (from < end) {
        out.push({ text: chunk[from] as string, start: offset + from, end: offset + from + 1 });
        from++;
      }
    }
  }
  for (let i = tail.length - 1; i >= 0; i--) out.push(tail[i] as Token);
}

/**
 * Where the letter-and-stop pairs at the start of a word end, in increasing order: for "U.S.A.s", [2, 4, 6].
 * A word from `start` that ends with a stop is an initialism (`/^(?:\p{L}\.)+\p{L}?\.?$/u`) exactly when it
 * ends at one of these, or one stop after one ("U.S..").
 */
function initialismEnds(chunk: string, start: number): number[] {
  const ends: number[] = [];
  LETTER_STOP.lastIndex = start;
  while (LETTER_STOP.test(chunk)) ends.push(LETTER_STOP.lastIndex);
  return ends;
}

/**
 * Whether the word ending at `end` (with a stop) is an initialism. The splitter asks with ever smaller
 * `end`, so ends beyond it are dropped for good and every end is looked at once per chunk.
 */
function isInitialism(ends: number[], end: number): boolean {
  while ((ends.at(-1) ?? -1) >= end) {
    if (ends.pop() === end) return true;
  }
  return ends.at(-1) === end - 1;
}

/** Whether chunk[start, stop) is an abbreviation such as "Mr" (its stop at `stop`). */
function isAbbreviation(chunk: string, start: number, stop: number): boolean {
  return stop - start <= 2 * LONGEST_ABBREVIATION && ABBREVIATIONS.has(chunk.slice(start, stop).toLowerCase());
}

const SENTENCE_END = new Set(['.', '!', '?', '...', '…']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '»']);

/**
 * Groups tokens into sentences: a break after a full stop, question or exclamation mark (and any closing
 * quote that follows it), and at every line break in the text, since headlines and paragraphs end there.
 */
export function sentences(text: string, tokens: Token[]): Token[][] {
  const result: Token[][] = [];
  let current: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    const next = tokens[i + 1];
    current.push(token);
    const lineBreak = next !== undefined && text.slice(token.end, next.start).includes('\n');
    const ends = SENTENCE_END.has(token.text) && !(next && CLOSERS.has(next.text) && next.start === token.end);
    const closesEnded = CLOSERS.has(token.text) && SENTENCE_END.has(current[current.length - 2]?.text ?? '');
    if (next === undefined || lineBreak || ends || closesEnded) {
      result.push(current);
      current = [];
    }
  }
  return result;
}
