import { Subscription, SubscriptionFilter, underEmbargo, type WebhookSubscription } from '@syndicate/contracts';
import { checkWebhookUrl, generateSecret, WebhookUrlError } from '@syndicate/webhooks';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { withoutSecret } from './subscriptions.js';

const WebhookUpdate = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2048),
    filter: SubscriptionFilter,
    eventTypes: z.array(z.enum(['article.published', 'article.updated', 'article.withdrawn'])).min(1),
    maxConcurrency: z.number().int().min(1).max(100),
    rateLimitPerSecond: z.number().int().min(1).max(10_000).nullable(),
    /** true pauses deliveries (they wait), false resumes them. */
    paused: z.boolean(),
    /** true re-enables an endpoint we disabled (410, or failing too long). */
    enabled: z.literal(true),
  })
  .partial()
  .strict();

const Replay = z.union([
  z.object({ messageId: z.string().startsWith('msg_') }).strict(),
  z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).strict(),
]);

/** Webhook endpoints beyond create/list/delete: update, pause and resume, secret rotation, attempts, replay. */
export function endpointRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const webhook = (id: string): WebhookSubscription => {
    const found = deps.registry.get(id);
    if (found?.type !== 'webhook') throw new HttpError(404, 'not_found', `no webhook endpoint ${id}`);
    return found;
  };

  const save = async (next: WebhookSubscription) => {
    await deps.subscriptions.put(Subscription.parse(next));
    await deps.registry.waitFor(next.id);
  };

  app.patch<{ Params: { id: string } }>('/v1/subscriptions/:id', async (request) => {
    const endpoint = webhook(request.params.id);
    const { enabled, rateLimitPerSecond, ...change } = WebhookUpdate.parse(request.body ?? {});
    if (change.url) {
      try {
        checkWebhookUrl(change.url, deps.urlPolicy);
      } catch (error) {
        if (error instanceof WebhookUrlError) throw new HttpError(400, 'invalid_webhook_url', `webhook url ${error.message}`);
        throw error;
      }
    }
    const next: WebhookSubscription = { ...endpoint, ...change };
    if (rateLimitPerSecond === null) delete next.rateLimitPerSecond;
    else if (rateLimitPerSecond !== undefined) next.rateLimitPerSecond = rateLimitPerSecond;
    if (enabled) delete next.disabled;
    // Pausing the endpoint's queue holds its deliveries in every delivery worker at once.
    if (change.paused === true) await deps.webhookQueue(endpoint.id).pause();
    if (change.paused === false) await deps.webhookQueue(endpoint.id).resume();
    await save(next);
    return withoutSecret(next);
  });

  app.post<{ Params: { id: string } }>('/v1/subscriptions/:id/rotate-secret', async (request) => {
    const endpoint = webhook(request.params.id);
    const { graceSeconds } = z
      .object({
        graceSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 24 * 3600)
          .default(24 * 3600),
      })
      .strict()
      .parse(request.body ?? {});
    const now = Date.now();
    const secret = generateSecret();
    const previousSecrets = [
      ...(graceSeconds > 0 ? [{ secret: endpoint.secret, expiresAt: new Date(now + graceSeconds * 1_000).toISOString() }] : []),
      ...endpoint.previousSecrets.filter((p) => Date.parse(p.expiresAt) > now),
    ];
    await save({ ...endpoint, secret, previousSecrets });
    // The new secret is shown once, here; the old one keeps signing beside it for the grace period.
    return { id: endpoint.id, secret, previousSecretExpiresAt: previousSecrets[0]?.expiresAt ?? null };
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/v1/subscriptions/:id/attempts', async (request) => {
    const endpoint = webhook(request.params.id);
    const limit = Math.min(100, Math.max(1, Number(request.query.limit ?? 50) || 50));
    return { id: endpoint.id, health: await deps.attempts.health(endpoint.id), attempts: await deps.attempts.list(endpoint.id, limit) };
  });

  /** Sends dead letters again: one message by its webhook-id, or every failed one that failed in a time range. */
  app.post<{ Params: { id: string } }>('/v1/subscriptions/:id/replay', async (request) => {
    const endpoint = webhook(request.params.id);
    const which = Replay.parse(request.body);
    const failed = await deps.webhookQueue(endpoint.id).getFailed(0, 10_000);
    const chosen = failed.filter((job) =>
      'messageId' in which
        ? job.id === which.messageId
        : (job.finishedOn ?? 0) >= Date.parse(which.from) && (job.finishedOn ?? 0) <= Date.parse(which.to),
    );
    if ('messageId' in which && chosen.length === 0)
      throw new HttpError(404, 'not_found', `no failed delivery ${which.messageId} for ${endpoint.id}`);
    // Dead letters are of released versions, but an embargo is absolute: nothing embargoed is sent again.
    const releasable = chosen.filter((job) => !underEmbargo(bodyArticle(job.data)));
    for (const job of releasable) await job.retry('failed');
    return { replayed: releasable.length, ...(releasable.length < chosen.length ? { held: chosen.length - releasable.length } : {}) };
  });
}

/** The article fields of a webhook job's body (`{type, timestamp, data}`), as far as the embargo check needs them. */
function bodyArticle(job: { body?: unknown }): { embargoUntil?: string } {
  try {
    const data = (JSON.parse(String(job.body)) as { data?: { embargoUntil?: unknown } }).data;
    return typeof data?.embargoUntil === 'string' ? { embargoUntil: data.embargoUntil } : {};
  } catch {
    return {};
  }
}
