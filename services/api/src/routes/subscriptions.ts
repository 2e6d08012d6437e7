import { randomUUID } from 'node:crypto';
import { type FeedSubscription, type Subscription, SubscriptionRequest } from '@syndicate/contracts';
import { feedTokenHash, generateFeedToken } from '@syndicate/subscriptions';
import { checkWebhookUrl, generateSecret, WebhookUrlError } from '@syndicate/webhooks';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';

/** Secrets (current and still-signing previous ones) and feed tokens are shown once, when made; token hashes never. */
export const withoutSecret = (s: Subscription) => {
  if (s.type === 'webhook') {
    const { secret: _secret, previousSecrets: _previous, ...rest } = s;
    return rest;
  }
  if (s.type === 'feed') {
    const { tokenHash: _hash, ...rest } = s;
    return rest;
  }
  return s;
};

export function subscriptionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/v1/subscriptions', async (request, reply) => {
    const body = SubscriptionRequest.parse(request.body);
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

  app.get('/v1/subscriptions', async () => ({ subscriptions: deps.registry.all().map(withoutSecret) }));

  app.get<{ Params: { id: string } }>('/v1/subscriptions/:id', async (request) => {
    const found = deps.registry.get(request.params.id);
    if (!found) throw new HttpError(404, 'not_found', `no subscription ${request.params.id}`);
    return withoutSecret(found);
  });

  /**
   * A new token for a partner-only feed, answered once. The old one stops working at once (no grace: a
   * token is rotated because it leaked), for feed reads and for WebSub subscriptions made with it alike.
   */
  app.post<{ Params: { id: string } }>('/v1/subscriptions/:id/rotate-token', async (request) => {
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

  app.delete<{ Params: { id: string } }>('/v1/subscriptions/:id', async (request, reply) => {
    const found = deps.registry.get(request.params.id);
    if (!found) throw new HttpError(404, 'not_found', `no subscription ${request.params.id}`);
    await deps.subscriptions.delete(request.params.id);
    if (found.type === 'feed') await deps.feedDocuments.removeFeed(found.slug);
    return reply.code(204).send();
  });
}
