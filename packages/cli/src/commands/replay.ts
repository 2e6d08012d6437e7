import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { UsageError } from '../io.js';

interface BackfillStatus {
  backfillId: string;
  state: string;
  progress: { read: number; total: number; delivered: number };
  failedReason?: string;
}

async function call<T>(method: 'GET' | 'POST', url: string, token: string, body?: unknown): Promise<T> {
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new UsageError(`cannot reach ${url}: ${(error as Error).message}`);
  }
  const text = await response.body.text();
  if (response.statusCode >= 400) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    throw new UsageError(`${method} ${url}: HTTP ${response.statusCode}: ${message}`);
  }
  return JSON.parse(text) as T;
}

/**
 * `syndicate replay --subscription ID [--days N]`: starts a backfill of the subscription from the last N
 * days of enriched articles and follows it to the end, showing progress. Exit 0 when it completed.
 */
export async function replay(options: {
  apiUrl: string;
  token: string;
  subscriptionId: string;
  days: number;
  onProgress: (done: number, total: number, label: string) => void;
}): Promise<BackfillStatus> {
  const base = options.apiUrl.replace(/\/$/, '');
  const started = await call<{ backfillId: string }>(
    'POST',
    `${base}/v1/subscriptions/${encodeURIComponent(options.subscriptionId)}/backfill`,
    options.token,
    {
      days: options.days,
    },
  );
  for (;;) {
    const status = await call<BackfillStatus>('GET', `${base}/v1/backfills/${started.backfillId}`, options.token);
    const { read, total, delivered } = status.progress;
    if (status.state === 'completed' || status.state === 'failed') {
      options.onProgress(total || 1, total || 1, `${status.state}: ${delivered} delivered`);
      return status;
    }
    options.onProgress(Math.min(read, total), Math.max(total, 1), `${status.state}: ${delivered} delivered`);
    await sleep(300);
  }
}
