import { isDeepStrictEqual } from 'node:util';
import { Subscription, SubscriptionFilter, underEmbargo, type WebhookSubscription } from '@syndicate/contracts';
import { checkWebhookUrl, generateSecret, WebhookUrlError } from '@syndicate/webhooks';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { EndpointHealth, errorAnswer, INVALID_JSON, jsonAnswer, SubscriptionId, Tag, unavailable, WebhookEndpoint } from './schemas.js';
import { webhookView } from './subscriptions.js';

// What is given changes; no body (or {}) changes nothing.
const WebhookUpdate = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2048),
    filter: SubscriptionFilter,
    eventTypes: z.array(z.enum(['article.published', 'article.updated', 'article.withdrawn'])).min(1),
    maxConcurrency: z.number().int().min(1).max(100),
    rateLimitPerSecond: z.number().int().min(1).max(10_000).nullable().describe('null: unlimited'),
    paused: z.boolean().describe('true pauses deliveries (they wait), false resumes them'),
    enabled: z.literal(true).describe('true re-enables an endpoint we disabled (410, or failing too long)'),
  })
  .partial()
  .strict()
  .prefault({});

const RotateSecret = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3600)
      .default(24 * 3600)
      .describe('how long the old secret keeps signing beside the new one'),
  })
  .strict()
  .prefault({});

const Replay = z.union([
  z.object({ messageId: z.string().startsWith('msg_').describe('one dead letter, by its webhook-id') }).strict(),
  z
    .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
    .strict()
    .describe('every delivery that failed for good in this time range'),
]);

const Attempt = z.object({
  at: z.string().describe('when (ISO 8601)'),
  messageId: z.string(),
  attempt: z.number().int().describe('1 for the first attempt'),
  status: z.number().int().nullable().describe('the HTTP status; null when no answer came'),
  latencyMs: z.number(),
  ok: z.boolean(),
  error: z.string().optional(),
  response: z.string().optional().describe('the first 2 KB of the answer'),
});

const noEndpoint = errorAnswer('not_found: no webhook endpoint of this id');

/** Webhook endpoints beyond create/list/delete: update, pause and resume, secret rotation, attempts, replay. */
export function endpointRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const webhook = (id: string): WebhookSubscription => {
    const found = deps.registry.get(id);
    if (found?.type !== 'webhook') throw new HttpError(404, 'not_found', `no webhook endpoint ${id}`);
    return found;
  };

  // Answered once this instance's registry holds this very write (not just the endpoint): a change right after it
  // starts from it, instead of from the state before and undoing it.
  const save = async (next: WebhookSubscription) => {
    const written = Subscription.parse(next);
    await deps.subscriptions.put(written);
    await deps.registry.waitFor(next.id, 10_000, (seen) => isDeepStrictEqual(seen, written));
  };

  const update = {
    tags: [Tag.webhooks],
    summary: 'Update a webhook endpoint',
    description:
      'Any of url, filter, eventTypes, maxConcurrency, rateLimitPerSecond (null: unlimited), paused (true holds deliveries, ' +
      'false resumes them) and enabled (true re-enables an endpoint we disabled).',
    params: SubscriptionId,
    body: WebhookUpdate,
    response: {
      200: jsonAnswer(WebhookEndpoint, 'updated'),
      400: errorAnswer(`${INVALID_JSON}; invalid_webhook_url`),
      404: noEndpoint,
      503: unavailable,
    },
  };
  routes.patch('/v1/subscriptions/:id', { schema: update }, async (request) => {
    const endpoint = webhook(request.params.id);
    const { enabled, rateLimitPerSecond, ...change } = request.body;
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
    return webhookView(next);
  });

  const rotateSecret = {
    tags: [Tag.webhooks],
    summary: 'A new webhook secret, shown this once',
    description: 'The old secret keeps signing beside the new one for graceSeconds (default 86400), so receivers can switch.',
    params: SubscriptionId,
    body: RotateSecret,
    response: {
      200: jsonAnswer(
        z.object({
          id: z.string(),
          secret: z.string().describe('whsec_…'),
          previousSecretExpiresAt: z.string().nullable().describe('until when the old secret signs too; null with graceSeconds 0'),
        }),
        'the new secret',
      ),
      400: errorAnswer(INVALID_JSON),
      404: noEndpoint,
      503: unavailable,
    },
  };
  routes.post('/v1/subscriptions/:id/rotate-secret', { schema: rotateSecret }, async (request) => {
    const endpoint = webhook(request.params.id);
    const { graceSeconds } = request.body;
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

  const attempts = {
    tags: [Tag.webhooks],
    summary: 'What happened to my webhook: the last attempts and health',
    params: SubscriptionId,
    querystring: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(50).describe('how many attempts, newest first'),
    }),
    response: {
      200: jsonAnswer(
        z.object({ id: z.string(), health: EndpointHealth, attempts: z.array(Attempt) }),
        'the last attempts (first 2 KB of each answer) and the health over the last 100',
      ),
      400: errorAnswer('invalid_request: a limit that is not 1 to 100'),
      404: noEndpoint,
      503: unavailable,
    },
  };
  routes.get('/v1/subscriptions/:id/attempts', { schema: attempts }, async (request) => {
    const endpoint = webhook(request.params.id);
    const { limit } = request.query;
    return { id: endpoint.id, health: await deps.attempts.health(endpoint.id), attempts: await deps.attempts.list(endpoint.id, limit) };
  });

  /** Sends dead letters again: one message by its webhook-id, or every failed one that failed in a time range. */
  const replay = {
    tags: [Tag.webhooks],
    summary: 'Send dead letters again',
    description: 'One by its webhook-id, or every delivery that failed in a time range. An embargoed article is held, not sent.',
    params: SubscriptionId,
    body: Replay,
    response: {
      200: jsonAnswer(
        z.object({
          replayed: z.number().int().describe('deliveries queued again'),
          held: z.number().int().optional().describe('dead letters of articles still under embargo, not sent'),
        }),
        'queued again',
      ),
      400: errorAnswer(INVALID_JSON),
      404: errorAnswer('not_found: no webhook endpoint of this id, or no failed delivery of this messageId'),
      503: unavailable,
    },
  };
  routes.post('/v1/subscriptions/:id/replay', { schema: replay }, async (request) => {
    const endpoint = webhook(request.params.id);
    const which = request.body;
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
