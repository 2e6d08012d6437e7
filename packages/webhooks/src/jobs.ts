import { createHash } from 'node:crypto';
import { ArticleEventType } from '@syndicate/contracts';
import { z } from 'zod';

/*
 * The queues are named in redis-runtime's catalogue. Each endpoint has a BullMQ queue of its own
 * (webhookQueueName), worked by a worker of its own with that endpoint's concurrency and rate limit: a slow,
 * hanging or failing endpoint fills only its own queue and slots, and never delays deliveries to the others.
 * Retries, dead letters and endpoints that cannot take a delivery at once are served from it; first attempts
 * usually come from a batch.
 */

/**
 * One job per article event for all its endpoints (on WEBHOOK_BATCH_QUEUE): the delivery service makes every
 * endpoint's first attempt straight from it, and hands an endpoint its own job (a WebhookJob, below) when the
 * endpoint is at its concurrency limit, rate-limited, paused, slow or failing. A BullMQ job per delivery costs
 * more than the delivery itself; one per article does not.
 */
/**
 * When the article event went through the stages before delivery (ISO times): written to article-events (its
 * CloudEvent time, when the producer gave one), enriched, fanned out. The attempt log keeps them with a success,
 * so the console can tell each stage's latency.
 */
export const StageTimes = z.object({
  publishedAt: z.string().optional(),
  enrichedAt: z.string().optional(),
  fannedOutAt: z.string(),
});
export type StageTimes = z.infer<typeof StageTimes>;

export const WebhookBatchJob = z.object({
  type: ArticleEventType,
  articleId: z.string(),
  version: z.number().int().positive(),
  body: z.string(),
  /** Attempts each delivery gets in all, the first one included. */
  attempts: z.number().int().positive(),
  endpoints: z.array(z.object({ subscriptionId: z.string(), messageId: z.string().startsWith('msg_') })).min(1),
  times: StageTimes.optional(),
});
export type WebhookBatchJob = z.infer<typeof WebhookBatchJob>;

/** The same article event to the same endpoints is one batch, however often it is enqueued (redone after a crash). */
export function webhookBatchJobId(parts: { articleId: string; version: number; type: string; endpointIds: string[] }): string {
  const digest = createHash('sha256')
    .update(`${parts.articleId}\n${parts.version}\n${parts.type}\n${[...parts.endpointIds].sort().join(',')}`)
    .digest('hex');
  return `batch_${digest.slice(0, 32)}`;
}

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
  /** Attempts made before this job existed (the batch's first attempt), for the attempt log's numbering. */
  attemptsBefore: z.number().int().nonnegative().optional(),
  /** Set when a batch hands over a delivery that must not be tried again: it becomes a replayable dead letter. */
  deadLetter: z.string().optional(),
  times: StageTimes.optional(),
});
export type WebhookJob = z.infer<typeof WebhookJob>;

/** Attempts for a delivery; when each retry happens (the schedule, Retry-After) the delivery worker decides. */
export const webhookJobOptions = (attempts: number) =>
  ({
    attempts,
    backoff: { type: RETRY_SCHEDULE },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: false, // failed jobs are the dead letters: kept until replayed or cleared
  }) as const;

export const RETRY_SCHEDULE = 'schedule';

/**
 * The delay before retry number `attemptsMade` (1 = the first retry): the schedule's entry (the last one
 * repeats), spread by ±`jitter` so endpoints recovering together are not hit together; a `Retry-After` the
 * endpoint sent wins when it asks for longer.
 */
export function retryDelayMs(
  attemptsMade: number,
  scheduleMs: number[],
  jitter: number,
  retryAfterMs?: number,
  random = Math.random,
): number {
  const base = scheduleMs[Math.min(attemptsMade, scheduleMs.length) - 1] ?? scheduleMs[scheduleMs.length - 1] ?? 5_000;
  const spread = Math.round(base * (1 + jitter * (2 * random() - 1)));
  return Math.max(spread, retryAfterMs ?? 0);
}

/** The webhook request body per Standard Webhooks: `{type, timestamp, data}`. */
export function webhookBody(type: ArticleEventType, data: unknown, timestamp = new Date()): string {
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
}
