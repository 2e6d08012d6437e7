import { z } from 'zod';

// C0 controls other than tab, LF and CR, plus DEL and the C1 block: no feed, XML parser or partner
// system wants them, and they are a classic way to smuggle markup past a filter.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// A UTF-16 surrogate without its partner is what broken UTF-8 turns into after lossy decoding.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string that is safe to carry to every output format: bounded, no control characters, valid UTF-16. */
export const cleanText = (maxChars: number) =>
  z
    .string()
    .max(maxChars)
    .refine((s) => !CONTROL_CHARS.test(s), { message: 'contains control characters' })
    .refine((s) => !LONE_SURROGATE.test(s), { message: 'contains invalid Unicode (lone surrogate)' });

/** Single-line, trimmed, non-empty text such as a headline or a name. */
export const lineText = (maxChars: number) =>
  cleanText(maxChars)
    .refine((s) => s.trim().length > 0, { message: 'must not be blank' })
    .refine((s) => !/[\r\n]/.test(s), { message: 'must be a single line' });
