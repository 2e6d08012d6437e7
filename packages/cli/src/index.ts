export { type PublishOptions, type PublishResult, publishArticles, publishFiles } from './commands/publish.js';
export { runCli } from './main.js';
