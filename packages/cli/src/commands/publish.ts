import { deriveArticleId, parseArticleSubmission } from '@syndicate/article-parser';
import type { ArticleSubmission } from '@syndicate/contracts';
import { request } from 'undici';
import { z } from 'zod';
import { readInputFile } from '../io.js';
import { MAX_BATCH_ARTICLES } from '../limits.js';
import { CLI_SOURCE } from './parse.js';

/**
 * What a file says, as the API takes it: the id `syndicate parse` shows, but no version (the API numbers
 * them: the same page again is an update, not a conflict) and no publication time the file does not carry
 * (else every run would be new content: a page without a date, published twice, would be two versions).
 */
export function submissionOf(file: string): ArticleSubmission {
  const { version: _version, ...submission } = parseArticleSubmission(readInputFile(file));
  const id = submission.id ?? deriveArticleId({ url: submission.url, source: CLI_SOURCE, headline: submission.headline });
  return { ...submission, id, source: CLI_SOURCE };
}

export interface PublishResult {
  file: string;
  ok: boolean;
  detail: string;
}

export interface PublishOptions {
  apiUrl: string;
  token: string;
  /** Articles per request to `POST /v1/articles/batch` (at most 500, the route's limit). */
  batchSize?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Called as results come in (a batch's at a time), with how many are done so far. */
  onProgress?: (done: number, total: number, last: PublishResult) => void;
}

const MAX_BATCH_BYTES = 8 * 1_048_576;

/**
 * Parses each file and publishes the articles through `POST /v1/articles/batch`, `batchSize` a request and
 * `concurrency` requests at a time. Results are in the order of the files: a file that does not parse is
 * rejected with the reason without reaching the API.
 */
export async function publishFiles(files: string[], options: PublishOptions): Promise<PublishResult[]> {
  const results: PublishResult[] = new Array(files.length);
  const articles: Array<{ label: string; data: unknown; index: number }> = [];
  let done = 0;
  files.forEach((file, index) => {
    try {
      articles.push({ label: file, data: submissionOf(file), index });
    } catch (error) {
      results[index] = { file, ok: false, detail: error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message };
      options.onProgress?.(++done, files.length, results[index]);
    }
  });
  const published = await publishArticles(articles, {
    ...options,
    onProgress: (_done, _total, last) => options.onProgress?.(++done, files.length, last),
  });
  published.forEach((result, n) => {
    results[(articles[n] as { index: number }).index] = result;
  });
  return results;
}

/**
 * Publishes article submissions through `POST /v1/articles/batch`: one result per article, in order, labelled with
 * its `label` (the file name for `syndicate publish`). A batch the API finds too large is split in two and sent
 * again; a batch that fails as a whole (the API unreachable, a server error) fails each of its articles.
 */
export async function publishArticles(
  articles: Array<{ label: string; data: unknown }>,
  options: PublishOptions,
): Promise<PublishResult[]> {
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 100, MAX_BATCH_ARTICLES));
  const results: PublishResult[] = new Array(articles.length);
  const bodies = articles.map((a) => JSON.stringify(a.data));
  // Batches of consecutive articles, bounded in count and in bytes.
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  bodies.forEach((body, i) => {
    if (current.length > 0 && (current.length >= batchSize || bytes + body.length > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += body.length + 1;
  });
  if (current.length > 0) batches.push(current);

  let done = 0;
  const finish = (i: number, ok: boolean, detail: string) => {
    results[i] = { file: (articles[i] as { label: string }).label, ok, detail };
    options.onProgress?.(++done, articles.length, results[i]);
  };
  const send = async (batch: number[]): Promise<void> => {
    const outcome = await postBatch(options, `{"articles":[${batch.map((i) => bodies[i]).join(',')}]}`);
    if (outcome.kind === 'too-large' && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await send(batch.slice(0, half));
      await send(batch.slice(half));
      return;
    }
    if (outcome.kind !== 'results') {
      for (const i of batch) finish(i, false, outcome.detail);
      return;
    }
    batch.forEach((i, n) => {
      const item = outcome.results[n];
      if (!item) finish(i, false, 'the API gave no result for this article');
      // 200: the article's latest version already has this content; nothing new was published.
      else if (item.status === 202 || item.status === 200)
        finish(i, true, `${item.id} v${item.version}${item.status === 200 ? ' (unchanged)' : ''}`);
      else finish(i, false, `HTTP ${item.status}: ${item.message ?? item.error ?? 'rejected'}`);
    });
  };
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await send(batches[next++] as number[]);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, batches.length) }, worker));
  return results;
}

interface BatchItemResult {
  status: number;
  id?: string;
  version?: number;
  error?: string;
  message?: string;
}

type BatchOutcome = { kind: 'results'; results: BatchItemResult[] } | { kind: 'too-large' | 'failed'; detail: string };

async function postBatch(options: PublishOptions, body: string): Promise<BatchOutcome> {
  const { apiUrl, token } = options;
  let statusCode: number;
  let text: string;
  try {
    const response = await request(`${apiUrl.replace(/\/$/, '')}/v1/articles/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    statusCode = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    return { kind: 'failed', detail: `cannot reach ${apiUrl}: ${(error as Error).message}` };
  }
  let parsed: { results?: BatchItemResult[]; message?: string } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {}
  if (statusCode === 200 && Array.isArray(parsed?.results)) return { kind: 'results', results: parsed.results };
  return { kind: statusCode === 413 ? 'too-large' : 'failed', detail: `HTTP ${statusCode}: ${parsed?.message ?? text}` };
}
