import { ArticleEventType } from '@syndicate/contracts';
import { z } from 'zod';

/** The BullMQ queue webhook deliveries wait in. */
export const WEBHOOK_QUEUE = 'webhook-deliveries';

/**
 * One delivery: what to send to which endpoint. The endpoint's URL and secret are looked up at delivery time,
 * so a paused, deleted or re-pointed endpoint is respected by jobs already queued.
 */
export const WebhookJob = z.object({
  subscriptionId: z.string(),
  messageId: z.string().startsWith('msg_'),
  type: ArticleEventType,
  articleId: z.string(),
  version: z.number().int().positive(),
  /** The exact JSON body, so every retry sends (and signs) the same bytes. */
  body: z.string(),
});
export type WebhookJob = z.infer<typeof WebhookJob>;

/** Attempts and backoff for a delivery; issue-level policy (schedule, Retry-After) lives in the worker. */
export const webhookJobOptions = (attempts: number, backoffMs: number) =>
  ({
    attempts,
    backoff: { type: 'exponential', delay: backoffMs, jitter: 0.2 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: false, // failed jobs are the dead letters: kept until replayed or cleared
  }) as const;

/** The webhook request body per Standard Webhooks: `{type, timestamp, data}`. */
export function webhookBody(type: ArticleEventType, data: unknown, timestamp = new Date()): string {
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
}
