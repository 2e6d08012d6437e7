import type { WebhookSubscription } from '@syndicate/contracts';
import type { EndpointLookup } from './delivery-ports.js';
import type { WebhookBatchJob, WebhookJob } from './jobs.js';

/** WEBHOOK_REQUIRE_HTTPS: an http:// endpoint gets nothing. */
export const httpsRefused = (endpoint: WebhookSubscription, requireHttps: boolean) => requireHttps && !endpoint.url.startsWith('https:');

export interface BatchPlan {
  /** Endpoints to try now, straight from the batch, if a slot is free (see EndpointSlots.takeForBatch). */
  attempt: Array<{ endpoint: WebhookSubscription; delivery: WebhookJob }>;
  /** Deliveries for their endpoints' own queues, with every attempt the batch gives them. */
  handOver: WebhookJob[];
}

/**
 * The plan step: which of a batch's endpoints get their first attempt now and which are served from their
 * own queue. The queue takes an endpoint not known here yet (created a moment ago: its worker starts when
 * this process's registry hears of it), a paused one (the API paused its queue too: the delivery waits there
 * for a resume), a disabled one (its job ends as a dead letter), a rate-limited one (only its queue's limiter
 * keeps the rate), one refused for want of https, and every endpoint past `room`, the first attempts this
 * process may still start (WEBHOOK_BATCH_MAX_IN_FLIGHT: sockets, memory). A slow endpoint is kept out later,
 * when slots are taken: that mark lives beside its slots.
 */
export function planBatch(batch: WebhookBatchJob, options: { endpointOf: EndpointLookup; requireHttps: boolean; room: number }): BatchPlan {
  const plan: BatchPlan = { attempt: [], handOver: [] };
  for (const { subscriptionId, messageId } of batch.endpoints) {
    const endpoint = options.endpointOf(subscriptionId);
    const delivery: WebhookJob = {
      subscriptionId,
      messageId,
      type: batch.type,
      articleId: batch.articleId,
      version: batch.version,
      body: batch.body,
      ...(batch.times ? { times: batch.times } : {}),
    };
    if (
      endpoint?.type !== 'webhook' ||
      endpoint.paused ||
      endpoint.disabled ||
      endpoint.rateLimitPerSecond ||
      httpsRefused(endpoint, options.requireHttps)
    )
      plan.handOver.push(delivery);
    else plan.attempt.push({ endpoint, delivery });
  }
  for (const { delivery } of plan.attempt.splice(Math.max(0, options.room))) plan.handOver.push(delivery);
  return plan;
}
