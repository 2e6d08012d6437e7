import { jsonSchemas } from '@syndicate/contracts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const error = { description: 'error', content: json(ref('Error')) };

/** The HTTP API, described from the same zod schemas that validate it. */
export function openApiDocument(serverUrl: string) {
  const schemas = jsonSchemas();
  const component = (name: string) => {
    const { $schema: _s, $id: _i, ...rest } = schemas[name] as Record<string, unknown>;
    return rest;
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Syndicate', version: '0.1.0', description: 'Content syndication: ingest articles, manage subscriptions, read feeds.' },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { admin: { type: 'http', scheme: 'bearer', description: 'SYNDICATE_ADMIN_TOKEN' } },
      schemas: {
        ArticleSubmission: component('article-submission'),
        SubscriptionRequest: component('subscription-request'),
        Subscription: component('subscription'),
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: { error: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'object' } } },
        },
      },
    },
    paths: {
      '/v1/articles': {
        post: {
          summary: 'Publish or update an article',
          security: [{ admin: [] }],
          requestBody: { required: true, content: json(ref('ArticleSubmission')) },
          responses: {
            202: {
              description: 'accepted',
              content: json({
                type: 'object',
                properties: { id: { type: 'string' }, version: { type: 'integer' }, type: { type: 'string' } },
              }),
            },
            400: error,
            401: error,
            409: error,
            413: error,
          },
        },
      },
      '/v1/articles/{id}': {
        delete: {
          summary: 'Withdraw (kill) an article everywhere',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 202: { description: 'accepted' }, 401: error, 404: error },
        },
      },
      '/v1/subscriptions': {
        post: {
          summary: 'Create a webhook, feed or partner-queue subscription (a webhook secret is shown only here)',
          security: [{ admin: [] }],
          requestBody: { required: true, content: json(ref('SubscriptionRequest')) },
          responses: { 201: { description: 'created', content: json(ref('Subscription')) }, 400: error, 401: error, 409: error },
        },
        get: {
          summary: 'List subscriptions (without secrets)',
          security: [{ admin: [] }],
          responses: { 200: { description: 'ok' }, 401: error },
        },
      },
      '/v1/subscriptions/{id}': {
        get: {
          summary: 'One subscription',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'ok' }, 404: error },
        },
        delete: {
          summary: 'Delete a subscription',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 204: { description: 'deleted' }, 404: error },
        },
      },
      '/feeds/{slug}.rss': {
        get: {
          summary: 'RSS 2.0 feed of a feed subscription, or of everything with slug "all"',
          parameters: [{ name: 'slug', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: 'the feed', content: { 'application/rss+xml': {} } },
            304: { description: 'not modified' },
            404: error,
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: Kafka and Redis reachable',
          responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text format' } } } },
      '/ops': {
        get: {
          summary: "Operators' view: queues, dead letters, subscriptions",
          security: [{ admin: [] }],
          responses: { 200: { description: 'ok' }, 401: error },
        },
      },
    },
  };
}
