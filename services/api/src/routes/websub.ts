import { feedTokenMatches } from '@syndicate/subscriptions';
import { WebhookUrlError } from '@syndicate/webhooks';
import { checkCallback, hubLimitMessage, hubLimits, LEASE_SECONDS, parseTopic, verifyJob } from '@syndicate/websub';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { errorAnswer, Tag, unavailable } from './schemas.js';

const HubRequest = z.object({
  'hub.mode': z.enum(['subscribe', 'unsubscribe']),
  'hub.topic': z.url().describe("one of this hub's feeds, e.g. {base}/feeds/world.atom; a partner-only feed's with ?token="),
  'hub.callback': z.url({ protocol: /^https?$/ }).max(2048),
  'hub.lease_seconds': z.coerce.number().int().positive().optional().describe('bounded to the lease the hub allows'),
  'hub.secret': z.string().min(1).max(199).optional().describe('signs content pushes (X-Hub-Signature)'), // WebSub 5.1: less than 200 bytes
});

/**
 * The WebSub hub (W3C WebSub): subscribers POST a form here; the request is checked and answered 202 at
 * once, and the intent is verified asynchronously (a GET with hub.challenge to the callback) by the
 * delivery service before the subscription takes effect. A subscription the hub has no room for (see
 * WebSubConfig) is refused here with 429, and again, atomically, when it is verified.
 */
export function websubRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // A tighter limit of its own: each request may make a verification request to somebody else's server.
  const rateLimit = { max: deps.config.RATE_LIMIT_WEBSUB, timeWindow: deps.config.RATE_LIMIT_WINDOW_MS };
  const schema = {
    tags: [Tag.websub],
    summary: 'WebSub hub: subscribe to or unsubscribe from a feed',
    description: 'The intent is verified asynchronously with hub.challenge at the callback; identical requests waiting are one.',
    consumes: ['application/x-www-form-urlencoded'],
    body: HubRequest,
    response: {
      202: z.undefined().describe('accepted: the callback is asked to confirm'),
      400: errorAnswer('invalid_request, unknown_topic (not a feed of this hub) or invalid_callback (a refused address)'),
      403: errorAnswer('forbidden: the all feed is not public here, or a partner-only feed without its token'),
      404: errorAnswer('unknown_topic: no such feed'),
      429: errorAnswer(
        'rate_limited (RATE_LIMIT_WEBSUB), or too_many_subscriptions: the hub holds WEBSUB_MAX_PER_TOPIC per topic, ' +
          'WEBSUB_MAX_PER_CALLBACK_HOST per callback host and WEBSUB_MAX_TOTAL in all',
      ),
      503: unavailable,
    },
  };
  app.withTypeProvider<ZodTypeProvider>().post('/websub', { schema, config: { rateLimit } }, async (request, reply) => {
    const form = request.body;
    const topic = parseTopic(form['hub.topic'], deps.publicBaseUrl());
    if (!topic)
      throw new HttpError(400, 'unknown_topic', `hub.topic must be one of this hub's feeds, like ${deps.publicBaseUrl()}/feeds/all.atom`);
    if (topic.slug === 'all' && !deps.config.FEED_ALL_PUBLIC) throw new HttpError(403, 'forbidden', 'the all feed is not public here');
    const feed = topic.slug === 'all' ? undefined : deps.registry.feedBySlug(topic.slug);
    if (topic.slug !== 'all' && !feed) throw new HttpError(404, 'unknown_topic', `no feed ${topic.slug}`);
    if (feed?.access === 'token' && !feedTokenMatches(feed, topic.token)) {
      throw new HttpError(403, 'forbidden', `feed ${topic.slug} is partner-only: put its token in the topic URL (?token=)`);
    }
    try {
      checkCallback(form['hub.callback'], deps.websubUrlPolicy);
    } catch (error) {
      if (error instanceof WebhookUrlError) throw new HttpError(400, 'invalid_callback', `hub.callback ${error.message}`);
      throw error;
    }
    const leaseSeconds = Math.min(LEASE_SECONDS.max, Math.max(LEASE_SECONDS.min, form['hub.lease_seconds'] ?? LEASE_SECONDS.default));
    const wanted = { slug: topic.slug, format: topic.format, callback: form['hub.callback'] };
    if (form['hub.mode'] === 'subscribe') {
      const limits = hubLimits(deps.config);
      const full = await deps.hubSubscribers.wouldRefuse(wanted.slug, wanted.format, wanted.callback, limits);
      if (full) throw new HttpError(429, 'too_many_subscriptions', hubLimitMessage(full, limits));
    }
    // The topic (it may carry a partner token) and hub.secret travel sealed; identical requests share one job.
    const job = verifyJob(
      {
        ...wanted,
        mode: form['hub.mode'],
        topic: form['hub.topic'],
        leaseSeconds,
        ...(form['hub.secret'] ? { secret: form['hub.secret'] } : {}),
        ...(feed ? { feedId: feed.id } : {}),
      },
      deps.keyring,
    );
    await deps.websubQueue.add(job.name, job.data, job.opts);
    return reply.code(202).send();
  });
}
