import { randomUUID } from 'node:crypto';
import type { FeedSubscription, Subscription, WebhookSubscription } from '@syndicate/contracts';
import { feedTokenHash, generateFeedToken } from '@syndicate/subscriptions';
import { checkWebhookUrl, generateSecret, WebhookUrlError } from '@syndicate/webhooks';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import {
  CreatedSubscription,
  errorAnswer,
  INVALID_JSON,
  jsonAnswer,
  SubscriptionId,
  SubscriptionRequestBody,
  SubscriptionView,
  Tag,
  unavailable,
} from './schemas.js';

/** A webhook endpoint without its secrets (the current and the still-signing previous ones). */
export const webhookView = ({ secret: _secret, previousSecrets: _previous, ...rest }: WebhookSubscription) => rest;

/** Secrets (current and still-signing previous ones) and feed tokens are shown once, when made; token hashes never. */
export const withoutSecret = (s: Subscription) => {
  if (s.type === 'webhook') return webhookView(s);
  if (s.type === 'feed') {
    const { tokenHash: _hash, ...rest } = s;
    return rest;
  }
  return s;
};

const notFound = errorAnswer('not_found: no subscription of this id');

export function subscriptionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const create = {
    tags: [Tag.subscriptions],
    summary: 'Create a webhook, feed or partner-queue subscription',
    description: 'A webhook secret, or a partner-only feed token, is shown only in this answer (and when rotated).',
    body: SubscriptionRequestBody,
    response: {
      201: jsonAnswer(CreatedSubscription, 'created; this instance serves it from now on'),
      400: errorAnswer(`${INVALID_JSON}; invalid_webhook_url: a webhook URL that is refused (a private address, say)`),
      409: errorAnswer('slug_taken: a feed with this slug exists already'),
      503: unavailable,
    },
  };
  routes.post('/v1/subscriptions', { schema: create }, async (request, reply) => {
    const body = request.body;
    const base = { id: `sub_${randomUUID().replaceAll('-', '')}`, createdAt: new Date().toISOString() };
    let subscription: Subscription;
    /** A partner-only feed's token: answered once, here; only its hash is stored. */
    let token: string | undefined;
    switch (body.type) {
      case 'webhook':
        try {
          checkWebhookUrl(body.url, deps.urlPolicy);
        } catch (error) {
          if (error instanceof WebhookUrlError) throw new HttpError(400, 'invalid_webhook_url', `webhook url ${error.message}`);
          throw error;
        }
        subscription = { ...body, ...base, secret: generateSecret(), previousSecrets: [], paused: false };
        break;
      case 'feed':
        if (deps.registry.feedBySlug(body.slug)) {
          throw new HttpError(409, 'slug_taken', `a feed with slug ${body.slug} exists already`);
        }
        // Whatever a deleted feed of this slug left behind is not the new feed's to show.
        await deps.feedDocuments.removeFeed(body.slug);
        token = body.access === 'token' ? generateFeedToken() : undefined;
        subscription = { ...body, ...base, ...(token ? { tokenHash: feedTokenHash(token) } : {}) };
        break;
      case 'partner-queue':
        subscription = { ...body, ...base };
        break;
      default: {
        const exhaustive: never = body;
        throw new Error(`unknown subscription type ${JSON.stringify(exhaustive)}`);
      }
    }
    await deps.subscriptions.put(subscription);
    // Read-your-writes: once this answers, this instance serves the new feed or lists the endpoint.
    await deps.registry.waitFor(subscription.id);
    return reply.code(201).send(token ? { ...withoutSecret(subscription), token } : subscription);
  });

  const list = {
    tags: [Tag.subscriptions],
    summary: 'List subscriptions (without secrets or tokens)',
    response: { 200: jsonAnswer(z.object({ subscriptions: z.array(SubscriptionView) }), 'every subscription') },
  };
  routes.get('/v1/subscriptions', { schema: list }, async () => ({ subscriptions: deps.registry.all().map(withoutSecret) }));

  const one = {
    tags: [Tag.subscriptions],
    summary: 'One subscription (without secrets or tokens)',
    params: SubscriptionId,
    response: { 200: jsonAnswer(SubscriptionView, 'the subscription'), 404: notFound },
  };
  routes.get('/v1/subscriptions/:id', { schema: one }, async (request) => {
    const found = deps.registry.get(request.params.id);
    if (!found) throw new HttpError(404, 'not_found', `no subscription ${request.params.id}`);
    return withoutSecret(found);
  });

  /**
   * A new token for a partner-only feed, answered once. The old one stops working at once (no grace: a
   * token is rotated because it leaked), for feed reads and for WebSub subscriptions made with it alike.
   */
  const rotateToken = {
    tags: [Tag.subscriptions],
    summary: 'A new token for a partner-only feed, shown this once',
    description:
      'The old token stops working at once (no grace: a token is rotated because it leaked), WebSub subscriptions made with it included.',
    params: SubscriptionId,
    response: {
      200: jsonAnswer(z.object({ id: z.string(), token: z.string() }), 'the new token'),
      404: errorAnswer('not_found: no feed of this id'),
      409: errorAnswer('public_feed: the feed is public, it has no token'),
      503: unavailable,
    },
  };
  routes.post('/v1/subscriptions/:id/rotate-token', { schema: rotateToken }, async (request) => {
    const feed = deps.registry.get(request.params.id);
    if (feed?.type !== 'feed') throw new HttpError(404, 'not_found', `no feed ${request.params.id}`);
    if (feed.access !== 'token') throw new HttpError(409, 'public_feed', `feed ${feed.slug} is public: it has no token`);
    const token = generateFeedToken();
    const next: FeedSubscription = { ...feed, tokenHash: feedTokenHash(token) };
    await deps.subscriptions.put(next);
    // Answered once this instance refuses the old token.
    await deps.registry.waitFor(feed.id, 10_000, (s) => s.type === 'feed' && s.tokenHash === next.tokenHash);
    return { id: feed.id, token };
  });

  const remove = {
    tags: [Tag.subscriptions],
    summary: 'Delete a subscription',
    params: SubscriptionId,
    response: { 204: z.undefined().describe('deleted'), 404: notFound, 503: unavailable },
  };
  routes.delete('/v1/subscriptions/:id', { schema: remove }, async (request, reply) => {
    const found = deps.registry.get(request.params.id);
    if (!found) throw new HttpError(404, 'not_found', `no subscription ${request.params.id}`);
    await deps.subscriptions.delete(request.params.id);
    if (found.type === 'feed') await deps.feedDocuments.removeFeed(found.slug);
    return reply.code(204).send();
  });
}
