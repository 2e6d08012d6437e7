/** Fixtures for this package's unit tests: a webhook subscription, a delivery and a batch job. Not exported from the package. */
import type { WebhookSubscription } from '@syndicate/contracts';
import type { WebhookBatchJob, WebhookJob } from './jobs.js';

/** A live webhook endpoint `id` (https://<id>.example/in, four slots); `fields` override any of it. */
export const webhookEndpoint = (id = 'e1', fields: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id,
  type: 'webhook',
  url: `https://${id}.example/in`,
  secret: 'whsec_AAAA',
  previousSecrets: [],
  paused: false,
  maxConcurrency: 4,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});

/** Version 3 of article a1 for the endpoints `ids`, its delivery on attempt `attempts`. */
export const batchJob = (
  ids: string[],
  { type = 'article.published', attempts = 5 }: { type?: WebhookBatchJob['type']; attempts?: number } = {},
): WebhookBatchJob => ({
  type,
  articleId: 'a1',
  version: 3,
  body: JSON.stringify({ type }),
  attempts,
  endpoints: ids.map((id) => ({ subscriptionId: id, messageId: `msg_${id}` })),
});

/** Endpoint e1's delivery msg_1 of article a1 (version 2); `fields` override any of it. */
export const webhookJob = (fields: Partial<WebhookJob> = {}): WebhookJob => ({
  subscriptionId: 'e1',
  messageId: 'msg_1',
  type: 'article.published',
  articleId: 'a1',
  version: 2,
  body: '{}',
  ...fields,
});
