/**
 * Texts of about 1 MB built to make text processing superlinear (for the tests): each once made the
 * tokenizer or the entity merging look at the rest of the text for every piece of it, or overflowed the stack.
 */

const MB = 1_000_000;

/** Repeats `unit` to about `chars` characters. */
const fill = (unit: string, chars = MB) => unit.repeat(Math.ceil(chars / unit.length));

/** Many different people and organisations, each named in full once and then by surname or acronym. */
function manyNames(chars: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < chars; i++) {
    // Three letters give 17,576 names of their own ("Aaaley", "Baaley", …) and as many acronyms.
    const letter = (k: number, from: number) => String.fromCharCode(from + (Math.floor(k) % 26));
    const name = (k: number) => `${letter(k, 65)}${letter(k / 26, 97)}${letter(k / 676, 97)}ley`;
    const [a, b, c] = [letter(i, 65), letter(i / 26, 65), letter(i / 676, 65)];
    const part =
      `President ${name(i)} ${name(i + 7)} met ${name(i + 13)}. ${name(i + 7)} said so. ` +
      `The ${a}ar ${b}ey ${c}ow Company and ${a}${b}${c} agreed.\n`;
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}

/**
 * The CPU time `work` takes in this process, in ms, with its result. Not wall time: on a busy machine the work
 * waits for a core, which wall time counts and CPU time does not (a pattern of a few hundred ms took 9 s of
 * wall time on this 2-core machine under a load of 20). Superlinear work shows in both.
 */
export function cpuTimeMs<T>(work: () => T): [T, number] {
  const before = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(before);
  return [result, (used.user + used.system) / 1_000];
}

/**
 * The CPU time a hostile 1 MB text may take to tokenize or enrich. Measured 4-1,400 ms a pattern on a loaded
 * machine (the old code: minutes); the margin is for CPU time, too, stretching a little when the cores are
 * shared (caches, the garbage collector's threads).
 */
export const HOSTILE_CPU_BUDGET_MS = 5_000;

/** Name → a text of about `chars` characters (1 MB by default). */
export const HOSTILE_TEXTS: Record<string, (chars?: number) => string> = {
  'a. repeated': (chars) => fill('a.', chars),
  '). repeated': (chars) => fill(').', chars),
  ",. repeated (and '.)": (chars) => fill(",.'.", chars),
  '.) repeated': (chars) => fill('.)', chars),
  'A.B.C. repeated': (chars) => fill('A.B.C.', chars),
  'initials, then ). repeated': (chars = MB) => 'a.'.repeat(chars / 4) + ').'.repeat(chars / 4),
  'full stops only': (chars) => fill('.', chars),
  'commas only': (chars) => fill(',', chars),
  'opening brackets only': (chars) => fill('(', chars),
  'quotes only': (chars) => fill("'", chars),
  '?! repeated': (chars) => fill('?!', chars),
  'one word without spaces': (chars) => fill('a', chars),
  'one capitalised word': (chars) => fill('Ab', chars),
  'x and closing brackets': (chars) => `x${fill(')', chars)}`,
  'hyphens and dashes': (chars) => fill('a—b-', chars),
  'many names, surnames and acronyms': (chars = MB) => manyNames(chars),
};
