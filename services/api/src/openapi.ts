import swagger, { type SwaggerTransform, type SwaggerTransformObject } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, jsonSchemaTransformObject, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import apiPackage from '../package.json' with { type: 'json' };
import { jsonAnswer, Tag } from './routes/schemas.js';

/** Where the document is served (users rely on this URL: keep it), and the page that shows it. */
const OPENAPI_PATH = '/openapi.json';
const DOCS_PATH = '/docs';

const TAG_DESCRIPTIONS: Record<(typeof Tag)[keyof typeof Tag], string> = {
  [Tag.articles]: 'Publishing, updating and withdrawing articles.',
  [Tag.subscriptions]: 'Who gets what: webhooks, feeds and partner queues. Secrets and tokens are shown once.',
  [Tag.webhooks]: 'A webhook endpoint: update or pause it, rotate its secret, see its attempts, send dead letters again.',
  [Tag.backfills]: 'Filling a subscription with the last days of articles.',
  [Tag.feeds]: 'RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, public or partner-only.',
  [Tag.websub]: 'The WebSub hub: feed changes pushed to subscribers.',
  [Tag.operations]: "Liveness, readiness, metrics, the operators' view and this document.",
};

/** A route's schema marks a body it may go without (see `transform`); the document says so as requestBody.required. */
const OPTIONAL_BODY = 'x-syndicate-optional-body';

// The parts of the document `complete` reads and changes.
interface Response {
  description: string;
  content?: unknown;
}
interface Operation {
  [field: string]: unknown;
  parameters?: unknown[];
  requestBody?: { required?: boolean };
  responses?: Record<string, Response>;
  [OPTIONAL_BODY]?: boolean;
}
interface Document {
  paths?: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>>>;
  components?: { schemas?: Record<string, unknown>; [part: string]: unknown };
  [field: string]: unknown;
}
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
const errorResponse = (description: string) => ({ description, content: errorContent });

/**
 * The feeds are served on node:http ahead of Fastify (see FeedServer), so no route schema describes them: this is
 * the one path written here by hand.
 */
const feedsPath = (): { get: Operation } => ({
  get: {
    tags: [Tag.feeds],
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
        description: 'the feed slug and its format; anything else is 404',
        schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}\\.(rss|atom|json)$' },
      },
      {
        name: 'before',
        in: 'query',
        required: false,
        description: 'an archive page: the items published before this time (ms since the epoch)',
        schema: { type: 'string', pattern: '^\\d{1,15}$' },
      },
      { name: 'token', in: 'query', required: false, description: "a partner-only feed's token", schema: { type: 'string' } },
    ],
    responses: {
      200: {
        description: 'the feed',
        content: { 'application/rss+xml': {}, 'application/atom+xml': {}, 'application/feed+json': {} },
      },
      304: { description: 'not modified' },
      400: errorResponse('invalid_before: before is not a time in milliseconds'),
      401: errorResponse('unauthorized: a partner-only feed (or a closed all feed) without its token'),
      404: errorResponse('not_found or unsupported_format'),
      503: errorResponse('store_unavailable (Redis down) and no copy of the document in memory, with Retry-After (seconds)'),
    },
  },
});

/**
 * @fastify/swagger, collecting every route as it is declared (so registered before any): their zod schemas become the
 * OpenAPI 3.1 document, completed by `complete` with what no route schema says. `baseUrl` is read when the document
 * is first asked for, once the server listens.
 */
export function openApiDocument(app: FastifyInstance, baseUrl: () => string): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Syndicate', version: apiPackage.version, description: apiPackage.description },
      tags: Object.entries(TAG_DESCRIPTIONS).map(([name, description]) => ({ name, description })),
      components: {
        securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'SYNDICATE_ADMIN_TOKEN' } },
      },
    },
    transform,
    transformObject: (input) => complete(jsonSchemaTransformObject(input) as Document, baseUrl()) as ReturnType<SwaggerTransformObject>,
  });
}

/**
 * Swagger UI's own policy, on every answer under DOCS_PATH: all it loads is served from here (its scripts and styles,
 * the document at ./json, and "Try it out" calls to this API), images from here or data: URIs (its CSS icons),
 * nothing evaluated (its bundle's `Function('return this')` fallbacks are never reached in a browser, which has
 * `self`), no plugins, no other base URL, never framed. The one inline thing it makes, the <style> inside its top
 * bar's SVG logo, is allowed by its hash alone (a newer Swagger UI's logo would only lose its colours; the console's
 * browser test reports any violation).
 */
const SWAGGER_LOGO_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";
export const DOCS_CSP =
  `default-src 'none'; script-src 'self'; style-src 'self' ${SWAGGER_LOGO_STYLE}; img-src 'self' data:; connect-src 'self'; ` +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The document at OPENAPI_PATH and Swagger UI at DOCS_PATH, its assets served from node_modules (no CDN). */
export function serveOpenApi(app: FastifyInstance): void {
  app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    theme: { title: 'Syndicate API' },
    uiConfig: { deepLinking: true },
    staticCSP: DOCS_CSP,
  });
  const schema = {
    tags: [Tag.operations],
    summary: 'This document: the HTTP API in OpenAPI 3.1, generated from the route schemas',
    response: { 200: jsonAnswer(z.looseObject({ openapi: z.string() }), 'the OpenAPI document') },
  };
  app.withTypeProvider<ZodTypeProvider>().get(OPENAPI_PATH, { schema }, async () => app.swagger() as { openapi: string });
}

const zodTransform = createJsonSchemaTransform({ skipList: [] });

/** A route's zod schemas as JSON Schema; a body that may be left out (optional, or all defaults) is marked so. */
const transform: SwaggerTransform = (input) => {
  const result = zodTransform(input);
  const body = input.schema?.body;
  if (body instanceof z.ZodType && body.safeParse(undefined).success) {
    return { ...result, schema: { ...result.schema, [OPTIONAL_BODY]: true } };
  }
  return result;
};

/** What the route schemas cannot say, added to the generated document. */
function complete(document: Document, baseUrl: string): Document {
  const paths: NonNullable<Document['paths']> = { ...document.paths, '/feeds/{file}': feedsPath() };
  for (const [path, item] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (operation[OPTIONAL_BODY]) {
        delete operation[OPTIONAL_BODY];
        if (operation.requestBody) operation.requestBody.required = false;
      }
      const responses = operation.responses ?? {};
      // idempotency.ts takes the header on every POST under /v1/ and answers its own codes; a header schema would
      // answer invalid_request instead, so it is described here and not in the routes.
      if (method === 'post' && path.startsWith('/v1/')) {
        operation.parameters = [...(operation.parameters ?? []), { $ref: '#/components/parameters/IdempotencyKey' }];
        responses[400] = mergedError(responses[400], 'invalid_idempotency_key: an Idempotency-Key that is empty or too long');
        responses[409] = mergedError(responses[409], 'idempotency_key_in_use: a request with this Idempotency-Key is still running');
        responses[422] = mergedError(responses[422], 'idempotency_key_reused: this Idempotency-Key came with another request');
      }
      // Every route counts requests per client (the feeds in FeedServer); the admin token is exempt.
      responses[429] ??= errorResponse('rate_limited: too many requests from this client; retry in the time the message says');
      operation.responses = responses;
    }
  }
  const completed: Document = {
    ...document,
    paths,
    servers: [{ url: baseUrl }],
    components: {
      ...document.components,
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Up to 255 characters (else 400 invalid_idempotency_key). The first answer (status and body) is given again for 24 h ' +
            '(header idempotent-replayed: true); the same key with another request: 422 idempotency_key_reused; while the first ' +
            'runs: 409 idempotency_key_in_use.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
    },
  };
  return withoutUnusedSchemas(completed);
}

/** An error response that may mean one more thing: `also` added to the description of the one the route gives. */
function mergedError(response: Response | undefined, also: string): Response {
  if (!response) return errorResponse(also);
  return { ...response, description: `${response.description}; or ${also}` };
}

/**
 * Only the components something refers to: fastify-type-provider-zod emits every schema given an id twice, as a
 * request (`…Input`) and as a response, whichever of the two the routes use.
 */
function withoutUnusedSchemas(document: Document): Document {
  const schemas = document.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return; // arrays are objects too: their items are visited
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) {
        const name = child.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(child);
    }
  };
  visit({ ...document, components: { ...document.components, schemas: {} } });
  return {
    ...document,
    components: { ...document.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))) },
  };
}
