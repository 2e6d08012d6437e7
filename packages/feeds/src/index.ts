export { renderAtom } from './atom.js';
export * from './document.js';
export * from './feed-documents.js';
export * from './formats.js';
export { renderJsonFeed } from './json-feed.js';
export { renderRss } from './rss.js';
export { escapeXml, paragraphsToHtml, xmlSafe } from './xml-text.js';
