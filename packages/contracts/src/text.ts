import { z } from 'zod';

// C0 controls other than tab, LF and CR, plus DEL and the C1 block: no feed, XML parser or partner system wants
// them, and they are a classic way to smuggle markup past a filter. They are removed, not refused: a stray
// vertical tab from a CMS is no reason to lose a story.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const CONTROL_CHARS_ALL = new RegExp(CONTROL_CHARS.source, 'g');
// Vertical tab (Word's manual line break), form feed (a page break) and NEL (C1 "next line") end a line where they
// come from, so they become one; every other control character carries nothing and goes.
const LINE_ENDING_CONTROLS = new Set(['\u000B', '\u000C', '\u0085']);
// A UTF-16 surrogate without its partner is what broken UTF-8 turns into after lossy decoding.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `text` without control characters; those that end a line become `lineBreak` (a space in single-line text, nothing in a URL). */
export function stripControlChars(text: string, lineBreak = '\n'): string {
  if (!CONTROL_CHARS.test(text)) return text;
  return text.replace(CONTROL_CHARS_ALL, (c) => (LINE_ENDING_CONTROLS.has(c) ? lineBreak : ''));
}

/** How many control characters `stripControlChars` would remove or replace in every string inside `value`. */
export function countControlChars(value: unknown): number {
  if (typeof value === 'string') return CONTROL_CHARS.test(value) ? (value.match(CONTROL_CHARS_ALL)?.length ?? 0) : 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countControlChars(item), 0);
  if (value && typeof value === 'object') return countControlChars(Object.values(value));
  return 0;
}

/**
 * A string that is safe to carry to every output format: bounded, valid UTF-16, control characters removed (see
 * `stripControlChars`; the bound applies to the cleaned text).
 */
export const cleanText = (maxChars: number, lineBreak = '\n') =>
  z
    .string()
    .overwrite((s) => stripControlChars(s, lineBreak))
    .max(maxChars)
    .refine((s) => !LONE_SURROGATE.test(s), { message: 'contains invalid Unicode (lone surrogate)' });

/** Single-line, trimmed, non-empty text such as a headline or a name; a vertical tab in it becomes a space. */
export const lineText = (maxChars: number) =>
  cleanText(maxChars, ' ')
    .refine((s) => s.trim().length > 0, { message: 'must not be blank' })
    .refine((s) => !/[\r\n]/.test(s), { message: 'must be a single line' });
