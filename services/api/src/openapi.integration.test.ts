/**
 * The OpenAPI document is generated from the route schemas, and this checks that it tells the truth: every route the
 * app declares is in it (but the few listed below, with why); it is a well-formed OpenAPI 3.1 document; every request
 * schema it documents is the one enforced (a request it calls invalid is refused with the documented error); and every
 * answer this test gets, on every documented operation, has a documented status and the documented shape. The docs
 * page is served, with its assets, from here, under a Content-Security-Policy of its own that allows nothing else.
 */
import { parseConfig } from '@syndicate/config';
import { cleanRedis, isolation, testLogger, testRedis } from '@syndicate/test-support';
import type { ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from './api-service.js';
import { ApiConfig } from './config.js';
import { DOCS_CSP } from './openapi.js';

const iso = isolation();
const TOKEN = 'openapi-test-admin-token';
const redis = testRedis();
const api = new ApiService(
  parseConfig(ApiConfig, {
    ...iso.env,
    PORT: '0',
    SYNDICATE_ADMIN_TOKEN: TOKEN,
    SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8', // webhooks and WebSub callbacks to this machine (never called here)
    SYNDICATE_WEBSUB_ALLOWLIST: '127.0.0.0/8',
  }),
  testLogger('api'),
);

/** Every route as Fastify declares it, collected as the app's plugins load (at start). */
const declared: string[] = [];
api.app.addHook('onRoute', (route) => {
  for (const method of [route.method].flat()) declared.push(`${method} ${route.url}`);
});

/** Routes deliberately left out of the document. */
const UNDOCUMENTED: Array<{ route: RegExp; why: string }> = [
  {
    route: /^[A-Z]+ \/console(\/|$)/,
    why: "the operators' console: HTML pages, their assets, server-sent events and the JSON only its pages use, behind its session cookie",
  },
  { route: /^HEAD /, why: 'Fastify answers HEAD for every GET; the GET is documented' },
  {
    route: /^[A-Z]+ \/ops\/queues(\/|$)/,
    why: "bull-board: the queues UI and the JSON API behind it, not ours to describe (GET /ops is the operators' view)",
  },
  { route: /^GET \/docs(\/|$)/, why: 'Swagger UI: the page that shows this document, and its assets' },
];

type Json = Record<string, unknown>;
interface Operation {
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<Json>;
  requestBody?: { required?: boolean; content: Record<string, { schema?: Json }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Json }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; parameters: Record<string, Json>; securitySchemes: Record<string, Json> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOC_ID = 'https://syndicate.test/openapi.json';

let document: Document;
/** The document's schemas as JSON Schema 2020-12 (ajv); parameters are read as the server reads them, from strings. */
const bodies = new Ajv2020({ strict: false, allErrors: true });
const parameters = new Ajv2020({ strict: false, allErrors: true, coerceTypes: true });

/** The validator of the schema at this place in the document; its $refs resolve in the document. */
function schemaAt(ajv: Ajv2020, ...place: string[]): ValidateFunction {
  const pointer = place.map((part) => `/${encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1'))}`).join('');
  const validate = ajv.getSchema(`${DOC_ID}#${pointer}`);
  if (!validate) throw new Error(`no schema at ${pointer}`);
  return validate;
}

const operations = () =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      key: `${method.toUpperCase()} ${path}`,
      path,
      method,
      operation: item[method]!,
    })),
  );

/** The documented operation a request goes to: its method and the path template its path fits. */
function operationOf(method: string, url: string) {
  const path = new URL(url, 'http://x').pathname;
  const found = operations().find(
    (o) => o.method === method.toLowerCase() && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
  if (!found) throw new Error(`no documented operation for ${method} ${path}`);
  return found;
}

const parameter = (p: Json): Json => ('$ref' in p ? document.components.parameters[String(p.$ref).split('/').pop()!]! : p);

/** Documented operations (by key) and the statuses this test got from each, every answer checked against the document. */
const answered = new Map<string, Set<number>>();

/** A request to the API, its answer checked against what the document says this operation answers. */
async function call(
  method: string,
  url: string,
  options: { body?: unknown; form?: Record<string, string>; headers?: Record<string, string>; admin?: boolean } = {},
) {
  const headers: Record<string, string> = { ...(options.admin === false ? {} : { authorization: `Bearer ${TOKEN}` }), ...options.headers };
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${api.url}${url}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const { key, path, operation } = operationOf(method, url);
  const documented = operation.responses[String(response.status)];
  expect(documented, `${key} answered ${response.status}, which it does not document: ${text.slice(0, 300)}`).toBeDefined();
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim();
  let json: unknown;
  if (documented?.content) {
    expect(Object.keys(documented.content), `${key} ${response.status}: content-type`).toContain(mediaType);
    if (mediaType?.endsWith('json')) json = JSON.parse(text);
    if (mediaType && documented.content[mediaType]?.schema) {
      const check = schemaAt(
        bodies,
        'paths',
        path,
        method.toLowerCase(),
        'responses',
        String(response.status),
        'content',
        mediaType,
        'schema',
      );
      expect(check(json ?? text), `${key} ${response.status}: ${JSON.stringify(check.errors)} in ${text.slice(0, 300)}`).toBe(true);
    }
  } else {
    expect(text, `${key} ${response.status} documents no body`).toBe('');
  }
  answered.set(key, (answered.get(key) ?? new Set()).add(response.status));
  return { status: response.status, json: json as Json, text };
}

beforeAll(async () => {
  await api.start();
  const response = await fetch(`${api.url}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as Document;
  for (const ajv of [bodies, parameters]) {
    addFormats.default(ajv);
    ajv.addSchema(document, DOC_ID);
  }
});
afterAll(async () => {
  await api.stop();
  await cleanRedis(redis, iso.redisKeyPrefix);
  redis.disconnect();
});

describe('the OpenAPI document', () => {
  it('describes every route the app declares, but the ones left out on purpose', () => {
    const toPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
    const left = declared.filter((route) => !UNDOCUMENTED.some(({ route: rule }) => rule.test(route)));
    const documented = operations().map((o) => o.key);
    expect([...new Set(left.map((route) => route.replace(/ (.*)$/, (_, url: string) => ` ${toPath(url)}`)))].sort()).toEqual(
      documented.filter((key) => key !== 'GET /feeds/{file}').sort(), // served ahead of Fastify (FeedServer)
    );
    // Each rule still leaves something out: a stale one would hide a route that later matched it by chance.
    for (const { route, why } of UNDOCUMENTED)
      expect(
        declared.some((r) => route.test(r)),
        why,
      ).toBe(true);
  });

  it('is well-formed OpenAPI 3.1: its structure, its JSON Schemas, its references, path parameters, tags and security', () => {
    const strict = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats.default(strict);
    const structure = strict.compile(OPENAPI_3_1);
    expect(structure(document), JSON.stringify(structure.errors?.slice(0, 5))).toBe(true);
    expect(document.info).toEqual(expect.objectContaining({ title: 'Syndicate', version: expect.stringMatching(/^\d+\.\d+\.\d+/) }));

    // Every schema is a valid JSON Schema 2020-12 whose references resolve (compiling one fails otherwise).
    const schemaPlaces: string[][] = Object.keys(document.components.schemas).map((name) => ['components', 'schemas', name]);
    for (const { path, method, operation } of operations()) {
      const at = ['paths', path, method];
      (operation.parameters ?? []).forEach((p, n) => {
        if (!('$ref' in p)) schemaPlaces.push([...at, 'parameters', String(n), 'schema']);
      });
      for (const type of Object.keys(operation.requestBody?.content ?? {}))
        schemaPlaces.push([...at, 'requestBody', 'content', type, 'schema']);
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {}))
          if (media.schema) schemaPlaces.push([...at, 'responses', status, 'content', type, 'schema']);
      }
    }
    for (const place of schemaPlaces) {
      const schema = place.reduce<unknown>((value, part) => (value as Json)[part], document);
      expect(bodies.validateSchema(schema as Json), `${place.join(' ')}: ${bodies.errorsText()}`).toBe(true);
      expect(() => schemaAt(bodies, ...place), place.join(' ')).not.toThrow();
    }

    // Every $ref points at something in the document.
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]*"/g) ?? [];
    for (const ref of new Set(refs.map((r) => r.slice('"$ref":"'.length, -1)))) {
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((value, part) => (value as Json | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], document);
      expect(target, ref).toBeDefined();
    }

    const tags = new Set(document.tags.map((t) => t.name));
    const operationIds = new Set<string>();
    for (const { key, path, operation } of operations()) {
      // Each {name} of the template is one required path parameter, and there are no others.
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const inPath = (operation.parameters ?? []).map(parameter).filter((p) => p.in === 'path');
      expect(inPath.map((p) => p.name).sort(), key).toEqual(templated);
      for (const p of inPath) expect(p.required, `${key} ${p.name}`).toBe(true);
      expect(operation.tags?.length, `${key} has a tag`).toBeGreaterThan(0);
      for (const tag of operation.tags ?? []) expect(tags, `${key}: tag ${tag}`).toContain(tag);
      for (const requirement of operation.security ?? [])
        for (const scheme of Object.keys(requirement)) expect(Object.keys(document.components.securitySchemes), key).toContain(scheme);
      const { operationId } = operation as { operationId?: string };
      if (operationId) {
        expect(operationIds.has(operationId), operationId).toBe(false);
        operationIds.add(operationId);
      }
    }
  });

  it('says which routes need the admin token: all but the public ones', () => {
    const publicOperations = operations()
      .filter((o) => !o.operation.security)
      .map((o) => o.key)
      .sort();
    expect(publicOperations).toEqual([
      'GET /feeds/{file}',
      'GET /healthz',
      'GET /metrics',
      'GET /openapi.json',
      'GET /readyz',
      'POST /websub',
    ]);
    expect(document.components.securitySchemes).toEqual({ adminToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
  });
});

/**
 * For every operation whose request the document constrains (a body, a query, a header, a path parameter with more
 * than a type), requests the document calls invalid: the server refuses each with the documented error.
 */
interface InvalidRequest {
  path: string;
  part: 'body' | 'query' | 'header' | 'path';
  /** Of the part that is invalid; path parameters are also in `path`. */
  value: Record<string, unknown>;
  /** Not 400 invalid_request: the reason is in the comment beside it. */
  expected?: { status: number; error: string };
  /** The body of a request whose header is what is wrong. */
  body?: unknown;
}
const SUB = 'sub_0000';
const INVALID: Record<string, InvalidRequest[]> = {
  'POST /v1/articles': [
    { path: '/v1/articles', part: 'body', value: { headline: 'No paragraphs', body: [] } },
    { path: '/v1/articles', part: 'body', value: { headline: 5, body: ['Text.'] } },
    // A parameter every POST under /v1/ shares (a component), checked once; idempotency.ts answers its own code.
    {
      path: '/v1/articles',
      part: 'header',
      value: { 'Idempotency-Key': 'k'.repeat(256) },
      body: { headline: 'A valid article', body: ['Text.'] },
      expected: { status: 400, error: 'invalid_idempotency_key' },
    },
  ],
  'POST /v1/articles/batch': [
    { path: '/v1/articles/batch', part: 'body', value: { articles: 'not a list' } },
    { path: '/v1/articles/batch', part: 'body', value: { stories: [] } },
  ],
  'DELETE /v1/articles/{id}': [
    { path: '/v1/articles/-starts-with-punctuation', part: 'path', value: { id: '-starts-with-punctuation' } },
    { path: '/v1/articles/some-id', part: 'body', value: { reason: 5 } },
  ],
  'POST /v1/subscriptions': [
    { path: '/v1/subscriptions', part: 'body', value: { type: 'carrier-pigeon' } },
    { path: '/v1/subscriptions', part: 'body', value: { type: 'webhook', url: 'not a URL' } },
    { path: '/v1/subscriptions', part: 'body', value: { type: 'feed', slug: 'Not A Slug' } },
  ],
  'PATCH /v1/subscriptions/{id}': [
    { path: `/v1/subscriptions/${SUB}`, part: 'body', value: { maxConcurrency: 0 } },
    { path: `/v1/subscriptions/${SUB}`, part: 'body', value: { colour: 'red' } },
  ],
  'POST /v1/subscriptions/{id}/rotate-secret': [
    { path: `/v1/subscriptions/${SUB}/rotate-secret`, part: 'body', value: { graceSeconds: -1 } },
  ],
  'POST /v1/subscriptions/{id}/replay': [
    { path: `/v1/subscriptions/${SUB}/replay`, part: 'body', value: { messageId: 'not-a-message-id' } },
    { path: `/v1/subscriptions/${SUB}/replay`, part: 'body', value: { from: 'yesterday', to: 'today' } },
  ],
  'POST /v1/subscriptions/{id}/backfill': [{ path: `/v1/subscriptions/${SUB}/backfill`, part: 'body', value: { days: 0 } }],
  'GET /v1/subscriptions/{id}/attempts': [
    { path: `/v1/subscriptions/${SUB}/attempts`, part: 'query', value: { limit: '0' } },
    { path: `/v1/subscriptions/${SUB}/attempts`, part: 'query', value: { limit: 'ten' } },
  ],
  'POST /websub': [
    { path: '/websub', part: 'body', value: { 'hub.mode': 'maybe', 'hub.topic': 'http://x/feeds/a.atom', 'hub.callback': 'http://x/' } },
  ],
  'GET /feeds/{file}': [
    // FeedServer's own code for it.
    { path: '/feeds/all.atom', part: 'query', value: { before: 'yesterday' }, expected: { status: 400, error: 'invalid_before' } },
    // A file name no feed can have is a feed that does not exist.
    { path: '/feeds/all.xml', part: 'path', value: { file: 'all.xml' }, expected: { status: 404, error: 'unsupported_format' } },
  ],
};

describe('the request schemas it documents', () => {
  it('cover every operation whose request is constrained, each constrained part of it, and each shared parameter', () => {
    const constrained = (schema: Json | undefined) =>
      Object.keys(schema ?? {}).some((keyword) => !['type', 'description', 'default'].includes(keyword)) || schema?.type !== 'string';
    const expected: Record<string, string[]> = {};
    for (const { key, operation } of operations()) {
      const parts = new Set<string>();
      if (operation.requestBody) parts.add('body');
      for (const p of operation.parameters ?? []) {
        if ('$ref' in p) continue; // a shared parameter: below
        if (p.in === 'query' && constrained(p.schema as Json)) parts.add('query');
        if (p.in === 'header') parts.add('header');
        if (p.in === 'path' && constrained(p.schema as Json)) parts.add('path');
      }
      if (parts.size > 0) expected[key] = [...parts].sort();
    }
    const shared = Object.values(document.components.parameters).map((p) => String(p.name).toLowerCase());
    const isShared = (c: InvalidRequest) =>
      c.part === 'header' && Object.keys(c.value).every((name) => shared.includes(name.toLowerCase()));
    const covered = Object.fromEntries(
      Object.entries(INVALID).map(([key, cases]) => [key, [...new Set(cases.filter((c) => !isShared(c)).map((c) => c.part))].sort()]),
    );
    expect(covered).toEqual(expected);
    const sharedCovered = Object.values(INVALID)
      .flat()
      .filter(isShared)
      .flatMap((c) => Object.keys(c.value).map((name) => name.toLowerCase()));
    expect([...new Set(sharedCovered)].sort()).toEqual(shared.sort());
  });

  for (const [key, cases] of Object.entries(INVALID)) {
    it(`are enforced: ${key}`, async () => {
      const [method, template] = key.split(' ') as [string, string];
      const operation = document.paths[template]![method.toLowerCase()]!;
      for (const invalid of cases) {
        const what = `${key} with ${invalid.part} ${JSON.stringify(invalid.value)}`;
        // The document says it is invalid…
        if (invalid.part === 'body') {
          const type = Object.keys(operation.requestBody!.content)[0]!;
          const validate = schemaAt(bodies, 'paths', template, method.toLowerCase(), 'requestBody', 'content', type, 'schema');
          expect(validate(invalid.value), what).toBe(false);
        } else {
          const place = { query: 'query', header: 'header', path: 'path' }[invalid.part];
          const refused = Object.entries(invalid.value).some(([name, value]) => {
            const p = (operation.parameters ?? [])
              .map(parameter)
              .find((q) => q.in === place && String(q.name).toLowerCase() === name.toLowerCase());
            expect(p, `${what}: ${name} is documented`).toBeDefined();
            return !parameters.validate(p!.schema as Json, value);
          });
          expect(refused, what).toBe(true);
        }
        // …and the server refuses it so.
        const query = invalid.part === 'query' ? `?${new URLSearchParams(invalid.value as Record<string, string>)}` : '';
        const answer = await call(method, `${invalid.path}${query}`, {
          ...(invalid.part === 'body' && template === '/websub' ? { form: invalid.value as Record<string, string> } : {}),
          ...(invalid.part === 'body' && template !== '/websub' ? { body: invalid.value } : {}),
          ...(invalid.part === 'header' ? { headers: invalid.value as Record<string, string>, body: invalid.body } : {}),
        });
        const expected = invalid.expected ?? { status: 400, error: 'invalid_request' };
        expect({ status: answer.status, error: answer.json?.error }, what).toEqual(expected);
        expect(answer.json.message, what).toEqual(expect.any(String));
        if (expected.error === 'invalid_request') expect(answer.json.issues, what).toEqual(expect.arrayContaining([expect.any(Object)]));
      }
    });
  }
});

describe('the answers it documents', () => {
  it('are what every operation answers', async () => {
    const story = { id: 'oa-1', headline: 'Bridge reopens', body: ['It reopened on Monday.'] };
    expect((await call('POST', '/v1/articles', { body: story })).status).toBe(202);
    expect((await call('POST', '/v1/articles', { body: story })).json).toMatchObject({ unchanged: true });
    const batch = await call('POST', '/v1/articles/batch', { body: { articles: [{ ...story, id: 'oa-2' }, { headline: '' }] } });
    expect(batch.json.results).toMatchObject([{ status: 202 }, { status: 400, error: 'invalid_request' }]);
    expect((await call('DELETE', '/v1/articles/oa-1')).status).toBe(202);
    expect((await call('DELETE', '/v1/articles/oa-1', { body: { reason: 'again' } })).status).toBe(200);
    expect((await call('DELETE', '/v1/articles/oa-never')).status).toBe(404);

    const webhook = await call('POST', '/v1/subscriptions', { body: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } });
    expect(webhook.json).toMatchObject({ type: 'webhook', secret: expect.stringMatching(/^whsec_/) });
    const partnerFeed = await call('POST', '/v1/subscriptions', { body: { type: 'feed', slug: 'oa-partners', access: 'token' } });
    expect(partnerFeed.json).toMatchObject({ token: expect.any(String) });
    const publicFeed = await call('POST', '/v1/subscriptions', { body: { type: 'feed', slug: 'oa-public' } });
    const queue = await call('POST', '/v1/subscriptions', { body: { type: 'partner-queue', partnerId: 'oa-partner' } });
    expect((await call('POST', '/v1/subscriptions', { body: { type: 'feed', slug: 'oa-public' } })).status).toBe(409);
    const listed = await call('GET', '/v1/subscriptions');
    expect(listed.text).not.toContain(String(webhook.json.secret));
    expect(listed.text).not.toContain(String(partnerFeed.json.token));
    for (const created of [webhook, partnerFeed, publicFeed, queue]) {
      expect((await call('GET', `/v1/subscriptions/${created.json.id}`)).json).toMatchObject({ id: created.json.id });
    }
    expect((await call('GET', '/v1/subscriptions/sub_none')).status).toBe(404);

    const id = String(webhook.json.id);
    expect((await call('PATCH', `/v1/subscriptions/${id}`, { body: { maxConcurrency: 5 } })).json).toMatchObject({ maxConcurrency: 5 });
    expect((await call('PATCH', `/v1/subscriptions/${id}`)).json).toMatchObject({ maxConcurrency: 5 }); // no body: no change
    expect((await call('POST', `/v1/subscriptions/${id}/rotate-secret`)).json).toMatchObject({
      previousSecretExpiresAt: expect.any(String),
    });
    const portal = await call('POST', `/v1/subscriptions/${id}/portal-token`);
    expect(portal.json).toMatchObject({
      id,
      token: expect.stringMatching(/^ptk_/),
      url: expect.stringContaining('/console/partner?token='),
    });
    expect((await call('DELETE', `/v1/subscriptions/${id}/portal-token`)).json).toEqual({ id, revoked: true });
    expect((await call('POST', `/v1/subscriptions/${queue.json.id}/portal-token`)).status).toBe(404);
    expect((await call('GET', `/v1/subscriptions/${id}/attempts?limit=5`)).json).toMatchObject({ attempts: [] });
    const to = new Date().toISOString();
    expect((await call('POST', `/v1/subscriptions/${id}/replay`, { body: { from: '2026-01-01T00:00:00Z', to } })).json).toEqual({
      replayed: 0,
    });
    expect((await call('POST', `/v1/subscriptions/${id}/replay`, { body: { messageId: 'msg_none' } })).status).toBe(404);
    expect((await call('POST', `/v1/subscriptions/${partnerFeed.json.id}/rotate-token`)).json).toMatchObject({ token: expect.any(String) });
    expect((await call('POST', `/v1/subscriptions/${publicFeed.json.id}/rotate-token`)).status).toBe(409);
    const backfill = await call('POST', `/v1/subscriptions/${queue.json.id}/backfill`);
    expect((await call('GET', String(backfill.json.status))).json).toMatchObject({ subscriptionId: queue.json.id });
    expect((await call('GET', '/v1/backfills/bf_none')).status).toBe(404);

    const hub = { 'hub.mode': 'subscribe', 'hub.callback': 'http://127.0.0.1:9/callback' };
    const topic = (slug: string) => `${api.url}/feeds/${slug}.atom`;
    expect((await call('POST', '/websub', { form: { ...hub, 'hub.topic': topic('oa-public') }, admin: false })).status).toBe(202);
    expect((await call('POST', '/websub', { form: { ...hub, 'hub.topic': topic('oa-nowhere') }, admin: false })).status).toBe(404);
    expect((await call('GET', '/feeds/oa-public.json', { admin: false })).status).toBe(200);
    expect((await call('GET', '/feeds/oa-partners.json', { admin: false })).status).toBe(401);

    expect((await call('DELETE', `/v1/subscriptions/${publicFeed.json.id}`)).status).toBe(204);
    expect((await call('GET', '/ops')).json).toMatchObject({ subscriptions: { webhook: 1 } });
    expect((await call('GET', '/ops', { admin: false })).status).toBe(401);
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json'])
      expect((await call('GET', path, { admin: false })).status).toBe(200);

    const without2xx = operations()
      .map((o) => o.key)
      .filter((key) => ![...(answered.get(key) ?? [])].some((status) => status >= 200 && status < 300));
    expect(without2xx).toEqual([]);
  });
});

describe('the docs page', () => {
  it('is Swagger UI on this document, its scripts and styles served from here', async () => {
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    // Its own policy: scripts, styles and requests from here alone, nothing inline or evaluated, never framed.
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(DOCS_CSP);
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    for (const name of ['script-src', 'connect-src']) expect(directives.get(name), name).toEqual(["'self'"]);
    expect(directives.get('style-src')?.filter((source) => !source.startsWith("'sha256-"))).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-|https?:|\*/);
    const html = await page.text();
    // Nothing inline that the policy would block: every script is a file.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) {
      expect(asset, 'no CDN').not.toMatch(/^(https?:)?\/\//);
      const answer = await fetch(new URL(asset, `${api.url}/docs`));
      expect(answer.status, asset).toBe(200);
      expect(answer.headers.get('content-security-policy'), asset).toBe(DOCS_CSP);
    }
    // What the page loads (./json, from the page's initializer): the same document.
    expect(await (await fetch(`${api.url}/docs/json`)).json()).toEqual(document);
  });
});

/**
 * The parts of the OpenAPI 3.1 specification's own schema (spec.openapis.org/oas/3.1/schema) that this document uses,
 * with no other fields allowed where the specification allows none (it uses no x- extensions), so a field in the
 * wrong place or of the wrong type fails.
 */
const OPENAPI_3_1 = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  additionalProperties: false,
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    info: {
      type: 'object',
      required: ['title', 'version'],
      additionalProperties: false,
      properties: { title: { type: 'string' }, version: { type: 'string' }, description: { type: 'string' } },
    },
    servers: {
      type: 'array',
      items: { type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string' } } },
    },
    tags: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: { name: { type: 'string' }, description: { type: 'string' } },
      },
    },
    paths: { type: 'object', propertyNames: { pattern: '^/' }, additionalProperties: { $ref: '#/$defs/pathItem' } },
    components: {
      type: 'object',
      additionalProperties: false,
      properties: {
        schemas: { type: 'object', additionalProperties: { type: ['object', 'boolean'] } },
        parameters: { type: 'object', additionalProperties: { $ref: '#/$defs/parameter' } },
        securitySchemes: { type: 'object', additionalProperties: { $ref: '#/$defs/securityScheme' } },
      },
    },
  },
  $defs: {
    pathItem: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(METHODS.map((method) => [method, { $ref: '#/$defs/operation' }])),
    },
    operation: {
      type: 'object',
      required: ['responses'],
      additionalProperties: false,
      properties: {
        tags: { type: 'array', items: { type: 'string' } },
        summary: { type: 'string' },
        description: { type: 'string' },
        operationId: { type: 'string' },
        parameters: { type: 'array', items: { oneOf: [{ $ref: '#/$defs/parameter' }, { $ref: '#/$defs/reference' }] } },
        requestBody: { $ref: '#/$defs/requestBody' },
        responses: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: '^([1-5](\\d\\d|XX)|default)$' },
          additionalProperties: { $ref: '#/$defs/response' },
        },
        security: { type: 'array', items: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } },
        deprecated: { type: 'boolean' },
      },
    },
    parameter: {
      type: 'object',
      required: ['name', 'in', 'schema'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        in: { enum: ['query', 'header', 'path', 'cookie'] },
        description: { type: 'string' },
        required: { type: 'boolean' },
        deprecated: { type: 'boolean' },
        schema: { type: ['object', 'boolean'] },
      },
      if: { properties: { in: { const: 'path' } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then
      then: { required: ['required'], properties: { required: { const: true } } },
    },
    reference: {
      type: 'object',
      required: ['$ref'],
      additionalProperties: false,
      properties: { $ref: { type: 'string', format: 'uri-reference' }, summary: { type: 'string' }, description: { type: 'string' } },
    },
    requestBody: {
      type: 'object',
      required: ['content'],
      additionalProperties: false,
      properties: { description: { type: 'string' }, content: { $ref: '#/$defs/content' }, required: { type: 'boolean' } },
    },
    content: {
      type: 'object',
      propertyNames: { pattern: '^[\\w.+-]+/[\\w.+-]+$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { schema: { type: ['object', 'boolean'] }, example: true, examples: { type: 'object' } },
      },
    },
    response: {
      type: 'object',
      required: ['description'],
      additionalProperties: false,
      properties: { description: { type: 'string' }, headers: { type: 'object' }, content: { $ref: '#/$defs/content' } },
    },
    securityScheme: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'] }, description: { type: 'string' } },
      if: { properties: { type: { const: 'http' } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then
      then: { required: ['scheme'], properties: { scheme: { type: 'string' }, bearerFormat: { type: 'string' } } },
    },
  },
};
