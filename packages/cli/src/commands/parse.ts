import { parseArticleInput } from '@syndicate/article-parser';
import { readInputFile } from '../io.js';

/** The `article.published` event a file stands for, as `syndicate parse` prints it. */
export function parseFileToEvent(path: string) {
  const data = parseArticleInput(readInputFile(path), { source: 'syndicate-cli' });
  return { type: 'article.published' as const, source: 'syndicate-cli', time: new Date().toISOString(), data };
}
