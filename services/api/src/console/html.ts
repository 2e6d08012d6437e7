/** What the console's and the partner view's server-rendered pages share. */

/** Text safe inside HTML text and attribute values. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Route options for pages and their JSON: left out of the OpenAPI document, which describes the API. */
export const hidden = { schema: { hide: true } };

/** A whole page: its title, the console's style sheet, `head` (trusted markup) and `body` (trusted markup). */
export function htmlPage(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/console/assets/console.css">${head}</head>
<body>${body}</body></html>`;
}
