// Characters XML 1.0 does not allow anywhere in a document, even escaped.
const XML_FORBIDDEN = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text that any XML 1.0 parser accepts once escaped: forbidden characters and lone surrogates removed. */
export function xmlSafe(text: string): string {
  return text.replace(XML_FORBIDDEN, '');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Paragraphs as HTML, for `content:encoded`; the XML builder then escapes the markup once more. */
export function paragraphsToHtml(paragraphs: string[]): string {
  return paragraphs.map((p) => `<p>${xmlSafe(p).replace(/[&<>"]/g, (c) => HTML_ESCAPES[c] ?? c)}</p>`).join('\n');
}
