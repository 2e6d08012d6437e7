import { randomBytes } from 'node:crypto';
import type { FeedDocuments } from '@syndicate/feeds';
import type { Logger } from '@syndicate/observability';
import type { SubscriptionRegistry } from '@syndicate/subscriptions';
import type { WebhookSender } from '@syndicate/webhooks';
import { DistributeJob, hubSignature, PushJob, type SubscriberStore, VerifyJob, WEBSUB_QUEUE } from '@syndicate/websub';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';

/** What a WebSub callback answered that was not a success; BullMQ retries on its backoff. */
export class HubDeliveryError extends Error {}

export interface WebSubWorkerOptions {
  queue: Queue;
  subscribers: SubscriberStore;
  documents: FeedDocuments;
  registry: SubscriptionRegistry;
  http: WebhookSender;
  logger: Logger;
}

/**
 * The hub's asynchronous side: verifies intent (WebSub 5.3), fans a feed change out to one push per
 * subscriber, and pushes the current feed document, signed with X-Hub-Signature when the subscriber gave a
 * secret. A 410 from a callback ends its subscription.
 */
export class WebSubWorker {
  constructor(private readonly options: WebSubWorkerOptions) {}

  static readonly queueName = WEBSUB_QUEUE;

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case 'verify':
        return this.verify(parse(VerifyJob, job.data));
      case 'distribute':
        return this.distribute(parse(DistributeJob, job.data));
      case 'push':
        return this.push(parse(PushJob, job.data));
      default:
        throw new UnrecoverableError(`unknown websub job ${job.name}`);
    }
  }

  private async verify(request: VerifyJob) {
    const challenge = randomBytes(18).toString('base64url');
    const url = new URL(request.callback);
    url.searchParams.set('hub.mode', request.mode);
    url.searchParams.set('hub.topic', request.topic);
    url.searchParams.set('hub.challenge', challenge);
    if (request.mode === 'subscribe') url.searchParams.set('hub.lease_seconds', String(request.leaseSeconds));
    const outcome = await this.options.http.get(url.href);
    // The subscriber confirms by echoing the challenge; anything else means it did not ask for this.
    if (!outcome.ok || outcome.responseSnippet.trim() !== challenge) {
      this.options.logger.info({ callback: request.callback, status: outcome.status }, 'websub intent not confirmed');
      return { verified: false };
    }
    if (request.mode === 'unsubscribe') {
      await this.options.subscribers.remove(request.slug, request.format, request.callback);
    } else {
      await this.options.subscribers.put({
        topic: request.topic,
        slug: request.slug,
        format: request.format,
        callback: request.callback,
        leaseSeconds: request.leaseSeconds,
        expiresAt: Date.now() + request.leaseSeconds * 1_000,
        ...(request.secret ? { secret: request.secret } : {}),
      });
    }
    return { verified: true };
  }

  private async distribute({ slug }: DistributeJob) {
    const jobs = [];
    for (const format of ['rss', 'atom', 'json'] as const) {
      for (const subscriber of await this.options.subscribers.list(slug, format)) {
        jobs.push({
          name: 'push',
          data: { slug, format, callback: subscriber.callback },
          opts: {
            attempts: 6,
            backoff: { type: 'exponential', delay: 5_000, jitter: 0.2 },
            removeOnComplete: true,
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        });
      }
    }
    if (jobs.length > 0) await this.options.queue.addBulk(jobs);
    return { pushes: jobs.length };
  }

  private async push({ slug, format, callback }: PushJob) {
    const subscriber = await this.options.subscribers.get(slug, format, callback);
    if (!subscriber) return { skipped: 'no live subscription' };
    const feed = slug === 'all' ? undefined : this.options.registry.feedBySlug(slug);
    if (slug !== 'all' && !feed) return { skipped: 'feed deleted' };
    const title = feed?.title ?? (feed ? `Syndicate: ${slug}` : 'Syndicate: all articles');
    const rendered = await this.options.documents.render(slug, title, format);
    const headers: Record<string, string> = {
      'content-type': rendered.contentType,
      link: `<${this.options.documents.hubUrl}>; rel="hub", <${subscriber.topic}>; rel="self"`,
      ...(subscriber.secret ? { 'x-hub-signature': hubSignature(subscriber.secret, rendered.body) } : {}),
    };
    const outcome = await this.options.http.send(callback, rendered.body, headers);
    if (outcome.ok) return { status: outcome.status };
    if (outcome.status === 410) {
      await this.options.subscribers.remove(slug, format, callback);
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
