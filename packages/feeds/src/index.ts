export * from './feed-store.js';
export * from './rss.js';
export { paragraphsToHtml, xmlSafe } from './xml-text.js';
