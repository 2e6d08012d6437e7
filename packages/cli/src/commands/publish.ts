import { request } from 'undici';
import { z } from 'zod';
import { parseFileToEvent } from './parse.js';

export interface PublishResult {
  file: string;
  ok: boolean;
  detail: string;
}

/** POSTs each file's article to the API, `concurrency` at a time, reporting progress as it goes. */
export async function publishFiles(
  files: string[],
  options: { apiUrl: string; token: string; concurrency?: number; onProgress?: (done: number, total: number, last: PublishResult) => void },
): Promise<PublishResult[]> {
  const results: PublishResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++] as string;
      const result = await publishOne(file, options.apiUrl, options.token);
      results.push(result);
      options.onProgress?.(results.length, files.length, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, files.length) }, worker));
  return results;
}

async function publishOne(file: string, apiUrl: string, token: string): Promise<PublishResult> {
  let data: unknown;
  try {
    // The API numbers versions: publishing the same page again is an update, not a conflict.
    const { version: _version, ...article } = parseFileToEvent(file).data;
    data = article;
  } catch (error) {
    return { file, ok: false, detail: error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message };
  }
  try {
    const response = await request(`${apiUrl.replace(/\/$/, '')}/v1/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(data),
    });
    const text = await response.body.text();
    // 200: the article's latest version already has this content; nothing new was published.
    if (response.statusCode === 202 || response.statusCode === 200) {
      const { id, version } = JSON.parse(text) as { id: string; version: number };
      return { file, ok: true, detail: `${id} v${version}${response.statusCode === 200 ? ' (unchanged)' : ''}` };
    }
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    return { file, ok: false, detail: `HTTP ${response.statusCode}: ${message}` };
  } catch (error) {
    return { file, ok: false, detail: `cannot reach ${apiUrl}: ${(error as Error).message}` };
  }
}
