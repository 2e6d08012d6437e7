import { jsonSchemas } from '@syndicate/contracts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const error = { description: 'error', content: json(ref('Error')) };
const idempotencyKey = { $ref: '#/components/parameters/IdempotencyKey' };
/** A dependency is down: the request was not accepted (sending it again is safe). */
const unavailable = {
  description: 'bus_unavailable (Kafka down) or store_unavailable (Redis down): not accepted; send it again after Retry-After',
  headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
  content: json(ref('Error')),
};

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
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Up to 255 characters. The first answer (status and body) is given again for 24 h (header idempotent-replayed: true); ' +
            'the same key with another request: 422 idempotency_key_reused; while the first runs: 409 idempotency_key_in_use.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
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
          description:
            'Control characters in text are removed, not refused (vertical tab, form feed and NEL become line breaks, spaces in ' +
            'single-line fields; tab, LF and CR stay). The same content as the latest version (everything sent but the version) ' +
            'is answered 200 with that version and publishes nothing.',
          security: [{ admin: [] }],
          parameters: [idempotencyKey],
          requestBody: { required: true, content: json(ref('ArticleSubmission')) },
          responses: {
            200: { description: 'unchanged: the latest version already has this content; {id, version, type, unchanged: true}' },
            202: {
              description: 'accepted',
              content: json({
                type: 'object',
                properties: { id: { type: 'string' }, version: { type: 'integer' }, type: { type: 'string' } },
              }),
            },
            400: error,
            401: error,
            409: { description: 'stale_version, publish_in_progress or idempotency_key_in_use', content: json(ref('Error')) },
            413: error,
            422: { description: 'idempotency_key_reused', content: json(ref('Error')) },
            503: unavailable,
          },
        },
      },
      '/v1/articles/batch': {
        post: {
          summary: 'Publish or update up to 500 articles in one request',
          description:
            'Body {"articles": [ArticleSubmission, ...]} (1 to 500; up to MAX_BATCH_BODY_BYTES, 16 MiB). Each article is taken as ' +
            'POST /v1/articles takes it (cleaned, versioned, identical content answered unchanged), but all versions are assigned in ' +
            'one Redis script call and all new versions written to Kafka in one send. The answer lists one result per article in ' +
            'the order sent, each with the status the single route would have given it: an invalid article is reported in its place ' +
            'and the others are accepted. An id given more than once is handled as if each came in its own request, in order. If ' +
            'the write to Kafka fails the whole request fails; retrying it is safe (what did get out is answered unchanged).',
          security: [{ admin: [] }],
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['articles'],
              properties: { articles: { type: 'array', minItems: 1, maxItems: 500, items: ref('ArticleSubmission') } },
            }),
          },
          responses: {
            200: {
              description: 'the batch was handled: a result per article, in order',
              content: json({
                type: 'object',
                properties: {
                  results: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['status'],
                      description:
                        '202 {status, id, version, type} accepted; 200 {..., unchanged: true} the latest version has this content; ' +
                        '400 {status, error: "invalid_request", message, issues}; 409 {status, error: "stale_version" | ' +
                        '"publish_in_progress", message, details}',
                      properties: {
                        status: { type: 'integer', enum: [200, 202, 400, 409] },
                        id: { type: 'string' },
                        version: { type: 'integer' },
                        type: { type: 'string' },
                        unchanged: { type: 'boolean' },
                        error: { type: 'string' },
                        message: { type: 'string' },
                        issues: { type: 'array', items: { type: 'object' } },
                        details: { type: 'object' },
                      },
                    },
                  },
                },
              }),
            },
            400: { description: 'not {"articles": [...]}, or empty_batch', content: json(ref('Error')) },
            401: error,
            409: { description: 'idempotency_key_in_use', content: json(ref('Error')) },
            413: {
              description: 'too_many_articles (more than 500), or the body is larger than MAX_BATCH_BODY_BYTES',
              content: json(ref('Error')),
            },
            422: { description: 'idempotency_key_reused', content: json(ref('Error')) },
            503: unavailable,
          },
        },
      },
      '/v1/articles/{id}': {
        delete: {
          summary: 'Withdraw (kill) an article everywhere (no body needed, whatever the content-type)',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: 'already withdrawn: the same version' },
            202: { description: 'accepted' },
            401: error,
            404: error,
            503: unavailable,
          },
        },
      },
      '/v1/subscriptions': {
        post: {
          summary:
            'Create a webhook, feed or partner-queue subscription (a webhook secret, or a partner-only feed token, is shown only here)',
          security: [{ admin: [] }],
          parameters: [idempotencyKey],
          requestBody: { required: true, content: json(ref('SubscriptionRequest')) },
          responses: {
            201: { description: 'created', content: json(ref('Subscription')) },
            400: error,
            401: error,
            409: error,
            503: unavailable,
          },
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
        patch: {
          summary:
            'Update a webhook endpoint: url, filter, eventTypes, maxConcurrency, rateLimitPerSecond, paused (true/false), enabled (true re-enables)',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'updated' }, 400: error, 404: error, 503: unavailable },
        },
        delete: {
          summary: 'Delete a subscription',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 204: { description: 'deleted' }, 404: error, 503: unavailable },
        },
      },
      '/feeds/{file}': {
        get: {
          summary: 'A feed: {slug}.rss (RSS 2.0), {slug}.atom (Atom 1.0) or {slug}.json (JSON Feed 1.1); slug "all" for everything',
          description:
            'Strong ETag per content encoding, Last-Modified, 304 on If-None-Match / If-Modified-Since, brotli or gzip on request. ' +
            'Older items are on RFC 5005 archive pages (?before=<ms>, linked as prev-archive). Partner-only feeds need their token ' +
            '(Authorization: Bearer or ?token=). While Redis is down, a document held in memory is served however old, marked ' +
            'Warning: 110 - "Response is Stale" and x-syndicate-stale: 1 (max-age=0); others are 503 store_unavailable.',
          parameters: [
            {
              name: 'file',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}\\.(rss|atom|json)$' },
            },
            { name: 'before', in: 'query', required: false, schema: { type: 'integer' } },
            { name: 'token', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: {
            200: {
              description: 'the feed',
              content: { 'application/rss+xml': {}, 'application/atom+xml': {}, 'application/feed+json': {} },
            },
            304: { description: 'not modified' },
            401: error,
            404: error,
            503: unavailable,
          },
        },
      },
      '/v1/subscriptions/{id}/rotate-secret': {
        post: {
          summary: 'New webhook secret (shown once); the old one keeps signing beside it for graceSeconds (default 86400)',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, idempotencyKey],
          responses: { 200: { description: 'the new secret' }, 404: error, 503: unavailable },
        },
      },
      '/v1/subscriptions/{id}/rotate-token': {
        post: {
          summary:
            'New token for a partner-only feed (shown once, as {"id", "token"}); the old one stops working at once, WebSub subscriptions made with it included',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, idempotencyKey],
          responses: { 200: { description: 'the new token' }, 404: error, 409: error, 503: unavailable },
        },
      },
      '/v1/subscriptions/{id}/attempts': {
        get: {
          summary: 'What happened to my webhook: the last attempts (time, status, latency, first 2 KB of the response) and health',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'ok' }, 404: error },
        },
      },
      '/v1/subscriptions/{id}/replay': {
        post: {
          summary: 'Send dead letters again: {"messageId": "msg_…"} or every delivery that failed {"from", "to"}',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, idempotencyKey],
          responses: { 200: { description: '{"replayed": n}' }, 400: error, 404: error },
        },
      },
      '/v1/subscriptions/{id}/backfill': {
        post: {
          summary:
            'Fill a subscription with the last N days of enriched articles (body {"days": 7}); progress at /v1/backfills/{backfillId}',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, idempotencyKey],
          responses: { 202: { description: 'started' }, 400: error, 404: error },
        },
      },
      '/v1/backfills/{id}': {
        get: {
          summary: 'State and progress of a backfill ({read, total, delivered})',
          security: [{ admin: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'ok' }, 404: error },
        },
      },
      '/websub': {
        post: {
          summary:
            'WebSub hub: subscribe to or unsubscribe from a feed (form-encoded hub.mode, hub.topic, hub.callback, hub.lease_seconds, hub.secret)',
          requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } },
          responses: {
            202: { description: 'accepted; intent is verified asynchronously with hub.challenge (identical requests waiting are one)' },
            400: error,
            403: error,
            404: error,
            429: {
              description:
                'too_many_subscriptions: the hub holds WEBSUB_MAX_PER_TOPIC per topic, WEBSUB_MAX_PER_CALLBACK_HOST per callback host and WEBSUB_MAX_TOTAL in all',
              content: json(ref('Error')),
            },
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: Kafka and Redis reachable (answered at once from background checks every READINESS_INTERVAL_MS, 500 ms)',
          responses: {
            200: { description: 'ready: {"status": "ready", "checks": {"kafka": "ok", "redis": "ok"}}' },
            503: { description: 'not ready: a check is "down" (the reason is in the log, not the answer)' },
          },
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
