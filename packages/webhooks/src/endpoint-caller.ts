import type { Subscription, WebhookSubscription } from '@syndicate/contracts';
import type { Attempt, AttemptRecord } from './attempt-log.js';
import type { DeliveryLogger } from './delivery-ports.js';
import type { WebhookJob } from './jobs.js';
import { AddressRefusedError, type WebhookSender } from './sender.js';
import { signatureHeader } from './signing.js';

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

/** Where attempts are counted and timed (prom-client's Counter and Histogram fit). */
export interface AttemptMetrics {
  /** By outcome: delivered, failed (an answer that was not 2xx) or error (no answer). */
  attempts: { inc(labels: { outcome: 'delivered' | 'failed' | 'error' }): void };
  /** From request to response, of attempts that got an answer. */
  latencySeconds: { observe(seconds: number): void };
}

export interface EndpointCallerOptions {
  sender: Pick<WebhookSender, 'send'>;
  /** Where each endpoint's failing streak is remembered (a Redis connection). */
  redis: {
    set(key: string, value: string, mode: 'NX'): Promise<unknown>;
    get(key: string): Promise<string | null>;
    del(key: string): Promise<number>;
  };
  /** Writes the disabled endpoint to the subscriptions topic (a SubscriptionWriter). */
  writer: { put(subscription: Subscription): Promise<void> };
  /** Tells operators on `operationsTopic` (a KeyedProducer). */
  producer: { send(topic: string, records: Array<{ key: string; value: string; headers: Record<string, string> }>): Promise<unknown> };
  operationsTopic: string;
  keyPrefix: string;
  /** An endpoint failing for this long is disabled. */
  disableAfterMs: number;
  logger: DeliveryLogger;
  metrics: AttemptMetrics;
}

/**
 * The attempt step: makes one attempt at an endpoint and draws its consequences for the endpoint: a
 * failing streak that lasts too long, or a 410 Gone, disables it (for every delivery process, through the
 * subscriptions topic). Which attempts to make, and what comes after one, the batch and queue steps decide.
 */
export class EndpointCaller {
  constructor(private readonly deps: EndpointCallerOptions) {}

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
    const startedAt = performance.now();
    try {
      const outcome = await this.deps.sender.send(endpoint.url, body, headers);
      this.deps.metrics.latencySeconds.observe(outcome.latencyMs / 1_000);
      this.deps.metrics.attempts.inc({ outcome: outcome.ok ? 'delivered' : 'failed' });
      const record: AttemptRecord = {
        endpointId: endpoint.id,
        attempt: entry({
          status: outcome.status,
          latencyMs: outcome.latencyMs,
          ok: outcome.ok,
          ...(outcome.responseSnippet ? { response: outcome.responseSnippet } : {}),
          ...(outcome.ok && delivery.times ? { times: delivery.times } : {}),
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
        // How long it took to fail (a time-out is the endpoint's slowness too: its health's p99 counts it).
        attempt: entry({ status: null, latencyMs: Math.round(performance.now() - startedAt), ok: false, error: message }),
      };
      this.deps.metrics.attempts.inc({ outcome: 'error' });
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
