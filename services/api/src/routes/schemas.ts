import { ArticleEventType, ArticleSubmission, Subscription, SubscriptionRequest } from '@syndicate/contracts';
import type { RouteOptions } from 'fastify';
import { z } from 'zod';

/**
 * What the routes' schemas share: the error shape, the subscription views, the tags. A schema given an `id` here is
 * one component of the OpenAPI document (`#/components/schemas/<id>`, with `Input` after the id when it describes a
 * request: fastify-type-provider-zod's naming), referenced wherever a route uses it.
 */

/** The document's tags: a route names one, and openapi.ts describes each. */
export const Tag = {
  articles: 'articles',
  subscriptions: 'subscriptions',
  webhooks: 'webhook endpoints',
  backfills: 'backfills',
  feeds: 'feeds',
  websub: 'websub',
  operations: 'operations',
} as const;

/** Every error answer (see errors.ts), 4xx and 5xx alike. */
export const ErrorBody = z
  .object({
    error: z.string().describe('a code that stays the same: invalid_request, not_found, stale_version, bus_unavailable, …'),
    message: z.string().describe('what is wrong, for a person to read'),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('invalid_request: each problem, at its dotted path in the body, the path parameters or the query'),
    details: z.unknown().optional().describe('data of the error, e.g. {"latest": 3} with stale_version'),
  })
  .meta({ id: 'Error' });

/** A JSON answer of this schema, with what it means on the route. */
export const jsonAnswer = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** An error answer, with the codes it carries on the route. */
export const errorAnswer = (description: string) => jsonAnswer(ErrorBody, description);

/** A dependency is down: nothing was accepted, so sending the request again is safe. */
export const unavailable = errorAnswer(
  'bus_unavailable (Kafka down) or store_unavailable (Redis down), with Retry-After (seconds): not accepted; send it again then',
);

/** Bad input every JSON route may get before its own checks (the body parser's refusals, errors.ts). */
export const INVALID_JSON =
  'invalid_request (the issues list each problem), or a body that is empty_body, invalid_json, invalid_encoding or too_deeply_nested';

export const SubscriptionId = z.object({ id: z.string().describe('the subscription id, sub_…') });

/** A submitted article: the component the single and the batch route describe their articles with. */
export const ArticleSubmissionBody = ArticleSubmission.meta({
  id: 'ArticleSubmission',
  description:
    'An article as the newsroom sends it (the data of an article.published event); id, version and publishedAt may be left to the API. ' +
    'Control characters in text are removed, not refused.',
});

/**
 * A schema in the document that validates nothing here: the batch route takes any value as an article and reports an
 * invalid one in its place (200 with a 400 result) instead of refusing the whole request, but documents each as an
 * ArticleSubmission, the component of POST /v1/articles's body.
 */
export const documentedAsArticleSubmission = z.unknown().meta({ $ref: '#/components/schemas/ArticleSubmissionInput' });

/** What publishing or withdrawing an article answers: the version it is now. */
export const ArticleVersionAnswer = z.object({
  id: z.string(),
  version: z.number().int().positive(),
  type: ArticleEventType,
});
export const ArticleUnchangedAnswer = ArticleVersionAnswer.extend({
  unchanged: z.literal(true).describe('the latest version already had this content: nothing was published'),
});

export const SubscriptionRequestBody = SubscriptionRequest.meta({ id: 'SubscriptionRequest' });

const [StoredWebhook, StoredFeed, StoredPartnerQueue] = Subscription.options;

/** Subscriptions as the API shows them: without secrets or token hashes (a secret or token is shown once, when made). */
export const WebhookEndpoint = StoredWebhook.omit({ secret: true, previousSecrets: true }).meta({ id: 'WebhookEndpoint' });
export const Feed = StoredFeed.omit({ tokenHash: true }).meta({ id: 'Feed' });
export const PartnerQueue = StoredPartnerQueue.meta({ id: 'PartnerQueue' });
export const SubscriptionView = z.discriminatedUnion('type', [WebhookEndpoint, Feed, PartnerQueue]).meta({ id: 'Subscription' });

/** What creating a subscription answers: a webhook with its secret, a partner-only feed with its token, shown this once. */
export const CreatedSubscription = z.discriminatedUnion('type', [
  StoredWebhook.extend({ secret: z.string().describe('whsec_…: signs every delivery; shown this once') }),
  Feed.extend({ token: z.string().optional().describe('a partner-only feed (access "token"): its token, shown this once') }),
  PartnerQueue,
]);

/** Success rate, latency and last error over an endpoint's last attempts (AttemptLog.health). */
export const EndpointHealth = z.object({
  attempts: z.number().int(),
  successRate: z.number().nullable().describe('0 to 1; null before any attempt'),
  p99LatencyMs: z.number().nullable().describe("the attempts' p99 latency in ms (nearest rank); null before any attempt"),
  lastError: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
});

const ADMIN_SECURITY = [{ adminToken: [] }];

/** The route needs the admin token: documented so, with its 401, for every route of the admin context (app.ts). */
export function requiresAdminToken(schema: RouteOptions['schema']): RouteOptions['schema'] {
  const response = (schema?.response ?? {}) as Record<string, unknown>;
  return {
    ...schema,
    security: ADMIN_SECURITY,
    response: { ...response, 401: errorAnswer('unauthorized: send Authorization: Bearer $SYNDICATE_ADMIN_TOKEN') },
  };
}
