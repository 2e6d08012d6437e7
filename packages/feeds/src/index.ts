export { renderAtom } from './atom.js';
export * from './document.js';
export * from './feed-documents.js';
export * from './formats.js';
export { renderJsonFeed } from './json-feed.js';
export { renderRss } from './rss.js';
export { escapeXml, paragraphsToHtml, xmlSafe } from './xml-text.js';

// Moved to @syndicate/feed-store; re-exported only until services/delivery imports them from there (this line
// makes a cycle between the two packages and puts Redis behind the renderers: delete it then, and the dependency).
export { announceFeedChanges, type CachedFeed, FeedCache, FeedStore, feedChangesChannel } from '@syndicate/feed-store';
