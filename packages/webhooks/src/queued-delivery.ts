import type { WebhookSubscription } from '@syndicate/contracts';
import { z } from 'zod';
import type { AttemptLog } from './attempt-log.js';
import { httpsRefused } from './batch-plan.js';
import { type ArticleVersions, type EndpointLookup, newerVersion } from './delivery-ports.js';
import type { AttemptResult, EndpointCaller } from './endpoint-caller.js';
import type { EndpointSlots } from './endpoint-slots.js';
import { WebhookJob } from './jobs.js';
import { slotWaitMs } from './retry.js';

/** What a delivery from an endpoint's queue came to; the endpoint's worker tells BullMQ (see settleQueuedJob). */
export type QueuedResult =
  | AttemptResult
  /** A newer version of the article (or its withdrawal) is stored: this one is never sent. */
  | { kind: 'superseded'; by: number }
  /** Every slot at the endpoint was taken: back after `delayMs`, without using up an attempt. */
  | { kind: 'wait'; delayMs: number };

/** What the queued step reads and changes of an endpoint queue's job (a BullMQ Job). */
export interface QueuedJob {
  data: unknown;
  /** Attempts that failed (BullMQ's count). */
  attemptsMade: number;
  /** Times the job was taken up, waits for a slot included. */
  attemptsStarted: number;
  updateData(data: WebhookJob): Promise<void>;
}

export interface QueuedDeliveryOptions {
  endpointOf: EndpointLookup;
  versions: ArticleVersions;
  slots: Pick<EndpointSlots, 'takeOne' | 'release'>;
  caller: Pick<EndpointCaller, 'attempt'>;
  attemptLog: Pick<AttemptLog, 'record'>;
  requireHttps: boolean;
  random?: () => number;
}

/**
 * The queued step: one delivery from an endpoint's own queue (a retry, a hand-over from a batch, or a
 * replayed dead letter). It is dropped when superseded, dead when its endpoint is gone, disabled or refused,
 * put back when the endpoint has no free slot (taking one holds the endpoint's concurrency across processes
 * and both delivery paths), and otherwise attempted and logged.
 */
export class QueuedDelivery {
  constructor(private readonly options: QueuedDeliveryOptions) {}

  async deliver(job: QueuedJob): Promise<QueuedResult> {
    const parsed = WebhookJob.safeParse(job.data);
    if (!parsed.success) return { kind: 'dead', reason: `malformed job: ${z.prettifyError(parsed.error)}` };
    const delivery = parsed.data;
    if (delivery.deadLetter) {
      // Failed for good in its batch: kept as a dead letter, and a replay of it is a fresh try.
      await job.updateData({ ...delivery, deadLetter: undefined });
      return { kind: 'dead', reason: delivery.deadLetter };
    }
    const superseded = await newerVersion(this.options.versions, delivery);
    if (superseded !== null) return { kind: 'superseded', by: superseded };
    const endpoint = this.options.endpointOf(delivery.subscriptionId);
    if (endpoint?.type !== 'webhook') return { kind: 'dead', reason: `endpoint ${delivery.subscriptionId} no longer exists` };
    const refused = this.refusal(endpoint);
    if (refused) return { kind: 'dead', reason: refused };

    const slot = await this.options.slots.takeOne(endpoint);
    if (!slot) {
      // Taken by batches or other processes; longer each time in a row, so the jobs of an endpoint whose
      // slots hang wait rather than spin.
      const waits = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
      return { kind: 'wait', delayMs: slotWaitMs(waits, this.options.random) };
    }
    try {
      const attempt = (delivery.attemptsBefore ?? 0) + job.attemptsMade + 1;
      const outcome = await this.options.caller.attempt(endpoint, delivery, Buffer.from(delivery.body), attempt);
      await this.options.attemptLog.record([outcome.record]);
      return outcome.result;
    } finally {
      await this.options.slots.release(slot, [endpoint.id]);
    }
  }

  private refusal(endpoint: WebhookSubscription): string | null {
    if (endpoint.disabled) return `endpoint disabled: ${endpoint.disabled.reason}`;
    if (httpsRefused(endpoint, this.options.requireHttps)) return 'https is required for webhooks';
    return null;
  }
}
