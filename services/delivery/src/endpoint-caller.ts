import type { WebhookSubscription } from '@syndicate/contracts';
import type { KeyedProducer } from '@syndicate/kafka-runtime';
import { Counter, Histogram, type Logger, type Registry } from '@syndicate/observability';
import type { SubscriptionWriter } from '@syndicate/subscriptions';
import {
  AddressRefusedError,
  type Attempt,
  type AttemptRecord,
  signatureHeader,
  type WebhookJob,
  type WebhookSender,
} from '@syndicate/webhooks';
import type { Redis } from 'ioredis';

/** What one attempt came to. */
export type AttemptResult =
  | { kind: 'delivered'; status: number }
  /** Retried on the schedule, or after the endpoint's Retry-After if longer. */
  | { kind: 'failed'; reason: string; retryAfterMs?: number }
  /** Not retried (410 Gone, a refused address): kept as a dead letter. */
  | { kind: 'dead'; reason: string };

/** An attempt's result and its entry for the attempt log. */
export interface AttemptOutcome {
  result: AttemptResult;
  record: AttemptRecord;
}

/**
 * Makes one attempt at an endpoint and draws its consequences for the endpoint: a failing streak that
 * lasts too long, or a 410 Gone, disables it (for every delivery process, through the subscriptions topic).
 * Which attempts to make, and what comes after one, is the delivery service's business.
 */
export class EndpointCaller {
  private readonly attempts: Counter;
  private readonly latency: Histogram;

  constructor(
    private readonly deps: {
      sender: WebhookSender;
      redis: Redis;
      writer: SubscriptionWriter;
      producer: KeyedProducer;
      operationsTopic: string;
      keyPrefix: string;
      disableAfterMs: number;
      logger: Logger;
      metrics: Registry;
    },
  ) {
    this.attempts = new Counter({
      name: 'syndicate_webhook_attempts_total',
      help: 'Webhook delivery attempts, by outcome',
      labelNames: ['outcome'],
      registers: [deps.metrics],
    });
    this.latency = new Histogram({
      name: 'syndicate_webhook_attempt_seconds',
      help: 'Time from request to response of one attempt',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [deps.metrics],
    });
  }

  /**
   * One signed request to an endpoint (Standard Webhooks v1, with every secret still valid). Returns what
   * it came to and the attempt log's entry for it, for the caller to record (a batch records its together).
   */
  async attempt(endpoint: WebhookSubscription, delivery: WebhookJob, body: Buffer, attempt: number): Promise<AttemptOutcome> {
    const timestamp = Math.floor(Date.now() / 1_000);
    const secrets =
      endpoint.previousSecrets.length === 0
        ? [endpoint.secret]
        : [endpoint.secret, ...endpoint.previousSecrets.filter((p) => Date.parse(p.expiresAt) > Date.now()).map((p) => p.secret)];
    const headers = {
      'webhook-id': delivery.messageId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, delivery.messageId, timestamp, body),
    };
    const entry = (fields: Omit<Attempt, 'at' | 'messageId' | 'attempt'>): Attempt => ({
      at: new Date().toISOString(),
      messageId: delivery.messageId,
      attempt,
      ...fields,
    });
    const context = () => ({ messageId: delivery.messageId, articleId: delivery.articleId, endpointId: endpoint.id, attempt });
    try {
      const outcome = await this.deps.sender.send(endpoint.url, body, headers);
      this.latency.observe(outcome.latencyMs / 1_000);
      this.attempts.inc({ outcome: outcome.ok ? 'delivered' : 'failed' });
      const record: AttemptRecord = {
        endpointId: endpoint.id,
        attempt: entry({
          status: outcome.status,
          latencyMs: outcome.latencyMs,
          ok: outcome.ok,
          ...(outcome.responseSnippet ? { response: outcome.responseSnippet } : {}),
        }),
        // A success ends a failing streak, in the same round trip.
        alsoDelete: outcome.ok ? [this.failingKey(endpoint.id)] : [],
      };
      if (outcome.ok) return { result: { kind: 'delivered', status: outcome.status }, record };
      this.deps.logger.warn({ ...context(), status: outcome.status }, 'webhook attempt failed');
      if (outcome.status === 410) {
        const reason = '410 Gone: the endpoint asked for no more deliveries';
        await this.disable(endpoint, reason);
        return { result: { kind: 'dead', reason }, record };
      }
      await this.noteFailure(endpoint);
      return { result: { kind: 'failed', reason: `HTTP ${outcome.status}`, retryAfterMs: outcome.retryAfterMs }, record };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const record: AttemptRecord = {
        endpointId: endpoint.id,
        attempt: entry({ status: null, latencyMs: 0, ok: false, error: message }),
      };
      this.attempts.inc({ outcome: 'error' });
      this.deps.logger.warn({ ...context(), error: message }, 'webhook attempt errored');
      await this.noteFailure(endpoint);
      return {
        result: error instanceof AddressRefusedError ? { kind: 'dead', reason: message } : { kind: 'failed', reason: message },
        record,
      };
    }
  }

  private failingKey = (endpointId: string) => `${this.deps.keyPrefix}webhooks:failing-since:${endpointId}`;

  /** Remembers when an endpoint started failing; one failing for longer than the window is disabled. */
  private async noteFailure(endpoint: WebhookSubscription): Promise<void> {
    const key = this.failingKey(endpoint.id);
    await this.deps.redis.set(key, String(Date.now()), 'NX');
    const since = Number(await this.deps.redis.get(key));
    if (Date.now() - since >= this.deps.disableAfterMs) {
      await this.disable(endpoint, `failing since ${new Date(since).toISOString()}`);
    }
  }

  /** Disables an endpoint for every instance (through the subscriptions topic) and tells operators. */
  private async disable(endpoint: WebhookSubscription, reason: string): Promise<void> {
    if (endpoint.disabled) return;
    const at = new Date().toISOString();
    await this.deps.writer.put({ ...endpoint, disabled: { at, reason } });
    await this.deps.producer.send(this.deps.operationsTopic, [
      {
        key: endpoint.id,
        value: JSON.stringify({ type: 'webhook.endpoint.disabled', endpointId: endpoint.id, url: endpoint.url, reason, at }),
        headers: {},
      },
    ]);
    await this.deps.redis.del(this.failingKey(endpoint.id));
    this.deps.logger.warn({ endpointId: endpoint.id, reason }, 'webhook endpoint disabled');
  }
}
