import { randomBytes } from 'node:crypto';
import { type Keyring, KeyringError } from '@syndicate/config';
import type { FeedSubscription } from '@syndicate/contracts';
import type { FeedDocuments, FeedFormat } from '@syndicate/feeds';
import { Counter, Gauge, type Logger, type Registry } from '@syndicate/observability';
import { type Job, type Queue, UnrecoverableError } from '@syndicate/redis-runtime';
import { feedTokenMatches, type SubscriptionRegistry } from '@syndicate/subscriptions';
import { AddressRefusedError, type UrlPolicy, type WebhookSender, WebhookUrlError } from '@syndicate/webhooks';
import {
  checkCallback,
  DistributeJob,
  type HubLimits,
  type HubSubscription,
  hubLimitMessage,
  hubSignature,
  openVerifyJob,
  PushJob,
  pushJobOptions,
  type RenderedDocuments,
  type SubscriberStore,
  VerifyJob,
  type VerifyRequest,
} from '@syndicate/websub';

/** What a WebSub callback answered that was not a success; BullMQ retries on its backoff. */
export class HubDeliveryError extends Error {}

export interface WebSubWorkerOptions {
  /** Where distributions put their pushes (WEBSUB_PUSH_QUEUE). */
  pushQueue: Queue;
  subscribers: SubscriberStore;
  documents: FeedDocuments;
  rendered: RenderedDocuments;
  registry: SubscriptionRegistry;
  /** The hub's own HTTP client, which refuses addresses outside SYNDICATE_WEBSUB_ALLOWLIST. */
  http: WebhookSender;
  /** The hub's URL policy, checked before every request (the client sees only host names it resolves). */
  policy: UrlPolicy;
  keyring: Keyring;
  limits: HubLimits;
  logger: Logger;
  metrics: Registry;
}

/**
 * The hub's asynchronous side: verifies intent (WebSub 5.3) and stores the subscription within the hub's
 * bounds, renders a changed feed once per format and queues one push per subscriber, and pushes that
 * document, signed with X-Hub-Signature when the subscriber gave a secret. A 410 from a callback ends its
 * subscription, and so does a callback the URL policy refuses, a deleted feed or a rotated feed token.
 */
export class WebSubWorker {
  private readonly renders: Counter;
  private readonly pushes: Counter;

  constructor(private readonly options: WebSubWorkerOptions) {
    this.renders = new Counter({
      name: 'syndicate_websub_renders_total',
      help: 'Feed documents rendered for WebSub distributions (once per changed topic, not per subscriber)',
      labelNames: ['format'],
      registers: [options.metrics],
    });
    this.pushes = new Counter({
      name: 'syndicate_websub_pushes_total',
      help: 'WebSub content pushes, by outcome',
      labelNames: ['outcome'],
      registers: [options.metrics],
    });
    const subscribers = options.subscribers;
    new Gauge({
      name: 'syndicate_websub_subscriptions',
      help: 'Live (verified, unexpired) WebSub subscriptions',
      registers: [options.metrics],
      async collect() {
        this.set(await subscribers.count());
      },
    });
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case 'verify':
        return this.verify(this.openVerify(parse(VerifyJob, job.data)));
      case 'distribute':
        return this.distribute(parse(DistributeJob, job.data));
      case 'push':
        return this.push(parse(PushJob, job.data));
      default:
        throw new UnrecoverableError(`unknown websub job ${job.name}`);
    }
  }

  private openVerify(job: VerifyJob): VerifyRequest {
    try {
      return openVerifyJob(job, this.options.keyring);
    } catch (error) {
      if (error instanceof KeyringError) throw new UnrecoverableError(`websub verification does not open: ${error.message}`);
      throw error;
    }
  }

  private async verify(request: VerifyRequest) {
    const log = this.options.logger.child({ callback: request.callback, slug: request.slug, format: request.format, mode: request.mode });
    const refused = this.refusal(request.callback);
    if (refused) {
      log.warn({ reason: refused }, 'websub callback refused');
      return { verified: false, refused };
    }
    if (request.mode === 'subscribe') {
      // Checked again here: the feed may have gone, or its token changed, since the API took the request.
      const gone = this.feedProblem(request.slug, request.feedId, request.topic);
      if (gone) return this.deny(request, gone);
      // Full already: no request to the callback at all.
      const full = await this.options.subscribers.wouldRefuse(request.slug, request.format, request.callback, this.options.limits);
      if (full) return this.deny(request, hubLimitMessage(full, this.options.limits));
    }
    const challenge = randomBytes(18).toString('base64url');
    const url = new URL(request.callback);
    url.searchParams.set('hub.mode', request.mode);
    url.searchParams.set('hub.topic', request.topic);
    url.searchParams.set('hub.challenge', challenge);
    if (request.mode === 'subscribe') url.searchParams.set('hub.lease_seconds', String(request.leaseSeconds));
    let outcome: Awaited<ReturnType<WebhookSender['get']>>;
    try {
      outcome = await this.options.http.get(url.href);
    } catch (error) {
      if (!(error instanceof AddressRefusedError)) throw error;
      log.warn({ reason: error.message }, 'websub callback refused');
      return { verified: false, refused: error.message };
    }
    // The subscriber confirms by echoing the challenge; anything else means it did not ask for this.
    if (!outcome.ok || outcome.responseSnippet.trim() !== challenge) {
      log.info({ status: outcome.status }, 'websub intent not confirmed');
      return { verified: false };
    }
    if (request.mode === 'unsubscribe') {
      await this.options.subscribers.remove(request.slug, request.format, request.callback);
      return { verified: true };
    }
    const subscription: HubSubscription = {
      topic: request.topic,
      slug: request.slug,
      format: request.format,
      callback: request.callback,
      leaseSeconds: request.leaseSeconds,
      expiresAt: Date.now() + request.leaseSeconds * 1_000,
      ...(request.secret ? { secret: request.secret } : {}),
      ...(request.feedId ? { feedId: request.feedId } : {}),
    };
    // Atomic: of verifications racing for the last places, only as many as fit are stored.
    const limit = await this.options.subscribers.put(subscription, this.options.limits);
    if (limit) return this.deny(request, hubLimitMessage(limit, this.options.limits));
    return { verified: true };
  }

  /** WebSub 5.2: tells the subscriber its subscription was not accepted, and why (best effort). */
  private async deny(request: VerifyRequest, reason: string) {
    this.options.logger.info({ callback: request.callback, slug: request.slug, reason }, 'websub subscription denied');
    const url = new URL(request.callback);
    url.searchParams.set('hub.mode', 'denied');
    url.searchParams.set('hub.topic', request.topic);
    url.searchParams.set('hub.reason', reason);
    await this.options.http.get(url.href).catch(() => undefined);
    return { verified: false, denied: reason };
  }

  /** Why the hub may not call this callback now (SYNDICATE_WEBSUB_ALLOWLIST may have changed), or null. */
  private refusal(callback: string): string | null {
    try {
      checkCallback(callback, this.options.policy);
      return null;
    } catch (error) {
      if (error instanceof WebhookUrlError) return error.message;
      throw error;
    }
  }

  /**
   * Why a subscription to this feed no longer holds, or null: the feed was deleted (or deleted and made
   * anew: another feed, perhaps another partner's), or it is partner-only and the topic's token is not its
   * current one (rotated).
   */
  private feedProblem(slug: string, feedId: string | undefined, topic: string): string | null {
    if (slug === 'all') return null;
    const feed = this.options.registry.feedBySlug(slug);
    if (!feed || (feedId !== undefined && feed.id !== feedId)) return `feed ${slug} no longer exists`;
    if (feed.access === 'token' && !feedTokenMatches(feed, new URL(topic).searchParams.get('token') ?? undefined)) {
      return `the token of feed ${slug} has changed`;
    }
    return null;
  }

  private feedOf(slug: string): FeedSubscription | undefined {
    return slug === 'all' ? undefined : this.options.registry.feedBySlug(slug);
  }

  private async render(slug: string, format: FeedFormat) {
    const feed = this.feedOf(slug);
    const title = feed?.title ?? (feed ? `Syndicate: ${slug}` : 'Syndicate: all articles');
    this.renders.inc({ format });
    return this.options.documents.render(slug, title, format);
  }

  /** Each format with subscribers is rendered once, here; every push of this change sends those bytes. */
  private async distribute({ slug }: DistributeJob) {
    if (slug !== 'all' && !this.feedOf(slug)) return { skipped: 'no such feed' };
    const jobs = [];
    for (const format of ['rss', 'atom', 'json'] as const) {
      const subscribers = await this.options.subscribers.list(slug, format);
      if (subscribers.length === 0) continue;
      const rendered = await this.render(slug, format);
      const document = await this.options.rendered.put({ body: rendered.body, contentType: rendered.contentType });
      for (const subscriber of subscribers) {
        jobs.push({ name: 'push', data: { slug, format, callback: subscriber.callback, document }, opts: pushJobOptions });
      }
    }
    if (jobs.length > 0) await this.options.pushQueue.addBulk(jobs);
    return { pushes: jobs.length };
  }

  private async push({ slug, format, callback, document }: PushJob) {
    const { subscribers } = this.options;
    const subscriber = await subscribers.get(slug, format, callback);
    if (!subscriber) return { skipped: 'no live subscription' };
    const ended = this.feedProblem(slug, subscriber.feedId, subscriber.topic) ?? this.refusal(callback);
    if (ended) {
      await subscribers.remove(slug, format, callback);
      this.pushes.inc({ outcome: 'ended' });
      return { skipped: ended, unsubscribed: true };
    }
    const rendered = (document && (await this.options.rendered.get(document))) || (await this.render(slug, format));
    const headers: Record<string, string> = {
      'content-type': rendered.contentType,
      link: `<${this.options.documents.hubUrl}>; rel="hub", <${subscriber.topic}>; rel="self"`,
      ...(subscriber.secret ? { 'x-hub-signature': hubSignature(subscriber.secret, rendered.body) } : {}),
    };
    let outcome: Awaited<ReturnType<WebhookSender['send']>>;
    try {
      outcome = await this.options.http.send(callback, rendered.body, headers);
    } catch (error) {
      if (!(error instanceof AddressRefusedError)) throw error;
      await subscribers.remove(slug, format, callback);
      this.pushes.inc({ outcome: 'refused' });
      throw new UnrecoverableError(`${error.message}; unsubscribed`);
    }
    this.pushes.inc({ outcome: outcome.ok ? 'delivered' : 'failed' });
    if (outcome.ok) return { status: outcome.status };
    if (outcome.status === 410) {
      await subscribers.remove(slug, format, callback);
      return { status: 410, unsubscribed: true };
    }
    throw new HubDeliveryError(`HTTP ${outcome.status} from ${callback}`);
  }
}

function parse<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false; error: Error } }, data: unknown): T {
  const result = schema.safeParse(data);
  if (!result.success) throw new UnrecoverableError(`malformed websub job: ${result.error.message}`);
  return result.data;
}
