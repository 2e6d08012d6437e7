import { parseArticleInput } from '@syndicate/article-parser';
import { readInputFile } from '../io.js';

/** The source of what the CLI parses and publishes (part of a derived article id). */
export const CLI_SOURCE = 'syndicate-cli';

/** The `article.published` event a file stands for, as `syndicate parse` prints it. */
export function parseFileToEvent(path: string) {
  const data = parseArticleInput(readInputFile(path), { source: CLI_SOURCE });
  return { type: 'article.published' as const, source: CLI_SOURCE, time: new Date().toISOString(), data };
}
