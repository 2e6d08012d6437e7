import type { WebhookSubscription } from '@syndicate/contracts';
import type { AttemptLog } from './attempt-log.js';
import { type BatchPlan, planBatch } from './batch-plan.js';
import { type ArticleVersions, type DeliveryLogger, type EndpointLookup, newerVersion } from './delivery-ports.js';
import type { AttemptOutcome, AttemptResult, EndpointCaller } from './endpoint-caller.js';
import type { EndpointQueues } from './endpoint-queues.js';
import type { EndpointSlots } from './endpoint-slots.js';
import type { WebhookBatchJob, WebhookJob } from './jobs.js';
import type { RetryPolicy } from './retry.js';
import { settleFirstAttempt } from './settle.js';

export interface BatchDeliveryOptions {
  endpointOf: EndpointLookup;
  versions: ArticleVersions;
  slots: Pick<EndpointSlots, 'takeForBatch' | 'release' | 'markSlow'>;
  caller: Pick<EndpointCaller, 'attempt'>;
  attemptLog: Pick<AttemptLog, 'record'>;
  queues: Pick<EndpointQueues, 'handOver' | 'takeBack'>;
  retry: Pick<RetryPolicy, 'delayMs'>;
  logger: DeliveryLogger;
  requireHttps: boolean;
  /** First attempts from batches running at once in this process (WEBHOOK_BATCH_MAX_IN_FLIGHT). */
  maxInFlight: number;
  /** How long a batch waits for its first attempts (WEBHOOK_BATCH_PATIENCE_MS). */
  patienceMs: number;
  /** A first attempt unanswered this long marks its endpoint slow (WEBHOOK_SLOW_AFTER_MS)… */
  slowAfterMs: number;
  /** …keeping it out of batches for this long (WEBHOOK_SLOW_MARK_MS). */
  slowMarkMs: number;
  /** When a guard job falls due: after the longest an attempt can take, its slot's lease. */
  guardDelayMs: number;
}

export interface BatchReport {
  delivered: number;
  handedOver: number;
  superseded?: number;
}

/** A batch's first attempt at one endpoint. */
interface FirstAttempt {
  endpoint: WebhookSubscription;
  delivery: WebhookJob;
  /** The attempt, and the settling it does itself if it outlived its batch. */
  done: Promise<void>;
  /** Set once answered. */
  outcome?: AttemptOutcome;
  /** Set when the batch stopped waiting: the guard job left on the endpoint's queue, being added. */
  guard?: Promise<void>;
}

/**
 * An article event's batch: every endpoint's first attempt, made at once. The steps: plan (which endpoints
 * get a first attempt now, which their own queue: see planBatch), take a slot at each (sent together; an
 * endpoint without a free one or marked slow is handed over), attempt, wait at most patienceMs, then
 * settle what was answered (log the attempts and give back the slots together; hand failures over for a
 * retry, see settleFirstAttempt) and leave what was not in the background, guarded (see leaveInBackground).
 * A hanging endpoint thus holds up only the few batches that got its slots, briefly, and never the healthy
 * endpoints in them; one that answers very late is served from its own queue for a while.
 */
export class BatchDelivery {
  /** First attempts from batches running now (see maxInFlight). */
  private inFlight = 0;
  /** First attempts a batch stopped waiting for; drain() lets them finish. */
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly options: BatchDeliveryOptions) {}

  /** First attempts from batches running now in this process. */
  get firstAttemptsInFlight(): number {
    return this.inFlight;
  }

  async deliver(batch: WebhookBatchJob): Promise<BatchReport> {
    const superseded = await newerVersion(this.options.versions, batch);
    if (superseded !== null) return { delivered: 0, handedOver: 0, superseded };
    const { endpointOf, requireHttps, maxInFlight } = this.options;
    const plan = planBatch(batch, { endpointOf, requireHttps, room: maxInFlight - this.inFlight });
    const handOver = (delivery: WebhookJob) => this.options.queues.handOver({ delivery, attempts: batch.attempts });
    const handOvers = plan.handOver.map(handOver);
    const { token, firstAttempts, denied } = await this.start(plan.attempt, batch);
    handOvers.push(...denied.map(handOver));
    await this.waitPatiently(firstAttempts);
    const answered: Array<{ first: FirstAttempt; outcome: AttemptOutcome }> = [];
    for (const first of firstAttempts) {
      if (first.outcome) answered.push({ first, outcome: first.outcome });
      else handOvers.push(this.leaveInBackground(first, batch.attempts));
    }
    await Promise.all([
      ...handOvers,
      this.options.attemptLog.record(answered.map((a) => a.outcome.record)),
      this.options.slots.release(
        token,
        answered.map((a) => a.first.endpoint.id),
      ),
      ...answered.map((a) => this.settle(a.first.delivery, a.outcome.result, batch.attempts)),
    ]);
    return { delivered: answered.filter((a) => a.outcome.result.kind === 'delivered').length, handedOver: handOvers.length };
  }

  /** Resolves once every first attempt left in the background has ended (for a graceful stop). */
  async drain(): Promise<void> {
    await Promise.allSettled(this.background);
  }

  /**
   * Takes a slot at every planned endpoint in one round trip and starts the attempts that got one; returns
   * the lease token and the deliveries whose endpoint had none free (or is marked slow).
   */
  private async start(
    planned: BatchPlan['attempt'],
    batch: WebhookBatchJob,
  ): Promise<{ token: string; firstAttempts: FirstAttempt[]; denied: WebhookJob[] }> {
    this.inFlight += planned.length; // reserved now, for batches taking slots meanwhile
    const { token, granted } = await this.options.slots.takeForBatch(planned.map((p) => p.endpoint)).catch((error: unknown) => {
      this.inFlight -= planned.length;
      throw error;
    });
    const firstAttempts: FirstAttempt[] = [];
    const denied: WebhookJob[] = [];
    const body = Buffer.from(batch.body); // encoded once, signed and sent to every endpoint
    for (const [i, { endpoint, delivery }] of planned.entries()) {
      if (granted[i]) firstAttempts.push(this.attempt(endpoint, delivery, body, token, batch.attempts));
      else {
        this.inFlight--;
        denied.push(delivery);
      }
    }
    return { token, firstAttempts, denied };
  }

  /**
   * The attempt step for one endpoint of a batch. Answered while the batch waits, it is the batch's to log
   * and settle; answered later, it does that itself, in place of its guard job, which it takes back.
   */
  private attempt(endpoint: WebhookSubscription, delivery: WebhookJob, body: Buffer, token: string, attempts: number): FirstAttempt {
    const first: FirstAttempt = { endpoint, delivery, done: Promise.resolve() };
    first.done = this.options.caller
      .attempt(endpoint, delivery, body, 1)
      .finally(() => {
        this.inFlight--;
      })
      .then(async (outcome) => {
        first.outcome = outcome;
        if (!first.guard) return;
        await Promise.all([
          this.options.attemptLog.record([outcome.record]),
          this.options.slots.release(token, [endpoint.id]),
          first.guard,
        ]);
        await this.options.queues.takeBack(endpoint.id, delivery.messageId);
        await this.settle(delivery, outcome.result, attempts);
      });
    return first;
  }

  /** Waits for the first attempts to be answered, patienceMs at most. */
  private async waitPatiently(firstAttempts: FirstAttempt[]): Promise<void> {
    let patience: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(firstAttempts.map((f) => f.done)),
      new Promise((resolve) => {
        patience = setTimeout(resolve, this.options.patienceMs);
      }),
    ]);
    clearTimeout(patience);
  }

  /**
   * An attempt not answered within the batch's patience goes on in the background, guarded by a delayed job
   * on its endpoint's queue that delivers it should this process die first (due only after the longest an
   * attempt can take). Still running at slowAfterMs, its endpoint is kept out of batches for a while: it
   * would hold their slots, and the jobs handed over meanwhile would wait on them. Returns the guard job's
   * hand-over, for the batch to wait on.
   */
  private leaveInBackground(first: FirstAttempt, attempts: number): Promise<void> {
    const { queues, slots, logger, guardDelayMs, slowAfterMs, patienceMs, slowMarkMs } = this.options;
    first.guard = queues.handOver({ delivery: first.delivery, attempts, delayMs: guardDelayMs });
    const endpointId = first.endpoint.id;
    const slow = setTimeout(() => {
      slots.markSlow(endpointId, slowMarkMs).catch((error) => logger.error({ err: error, endpointId }, 'could not mark an endpoint slow'));
    }, slowAfterMs - patienceMs);
    const background: Promise<void> = first.done
      .catch((error) =>
        logger.error({ err: error, messageId: first.delivery.messageId }, 'a first attempt failed after its batch; its guard job stays'),
      )
      .finally(() => {
        clearTimeout(slow);
        this.background.delete(background);
      });
    this.background.add(background);
    return first.guard;
  }

  /** The settle step for a first attempt: a retry or a dead letter on the endpoint's queue, or nothing. */
  private async settle(delivery: WebhookJob, result: AttemptResult, attempts: number): Promise<void> {
    const next = settleFirstAttempt(delivery, result, attempts, this.options.retry);
    if (next) await this.options.queues.handOver(next);
  }
}
