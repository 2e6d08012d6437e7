import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FeedStore } from '@syndicate/feed-store';
import { ALL_FEED } from '@syndicate/feeds';
import { endpointIsSlow } from '@syndicate/webhooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { OPS_BOARD_PATH } from '../ops-board.js';
import { CONSOLE_COOKIE, ConsoleAuth } from './console-auth.js';
import { DeadLetterTopics } from './dead-letter-topics.js';
import { escapeHtml, hidden, htmlPage } from './html.js';
import { JourneyReader } from './journey.js';
import { OverviewSampler } from './overview-sampler.js';
import { partnerRoutes } from './partner-routes.js';
import type { ConsoleSession } from './sessions.js';
import { sameSecret } from './sessions.js';
import { SignInThrottle } from './sign-in-throttle.js';

const resolve = createRequire(import.meta.url).resolve;
/** Everything the pages load, from this package and uPlot's: nothing from a CDN (installations are often air-gapped). */
const ASSETS: Record<string, { file: string; type: string }> = {
  'dom.js': { file: resolve('@syndicate/api/console/dom.js'), type: 'text/javascript; charset=utf-8' },
  'console.js': { file: resolve('@syndicate/api/console/console.js'), type: 'text/javascript; charset=utf-8' },
  'console.css': { file: resolve('@syndicate/api/console/console.css'), type: 'text/css; charset=utf-8' },
  'partner.js': { file: resolve('@syndicate/api/console/partner.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.iife.min.js': { file: resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};
const assetBodies = new Map(Object.entries(ASSETS).map(([name, { file, type }]) => [name, { body: readFileSync(file), type }]));

const PAGES = {
  '': 'Overview',
  journey: 'Story journey',
  webhooks: 'Webhooks',
  feeds: 'Feeds',
  partners: 'Partner queues',
  dlq: 'Dead letters',
} as const;
type PageName = keyof typeof PAGES;

// Scripts and styles from here only; nothing inline, no framing.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";
const HUB_FORMATS = ['rss', 'atom', 'json'] as const;

const layout = (title: string, body: string, head = '') => htmlPage(`${title} · Syndicate console`, body, head);

function signInPage(failed: boolean): string {
  return layout(
    'Sign in',
    `<main class="sign-in"><h1>Syndicate operators' console</h1>
<form method="post" action="/console/sign-in">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
${failed ? '<p class="error" role="alert">That token is not the admin token.</p>' : ''}
<button type="submit">Sign in</button></form></main>`,
  );
}

function appPage(page: PageName, csrf: string): string {
  const nav = Object.entries(PAGES)
    .map(([path, label]) => `<a href="/console${path ? `/${path}` : ''}"${path === page ? ' aria-current="page"' : ''}>${label}</a>`)
    .join('');
  return layout(
    PAGES[page],
    `<header><nav aria-label="Console">${nav}<a href="${OPS_BOARD_PATH}">Queues (bull-board)</a></nav>
<div class="sessions"><form method="post" action="/console/sign-out" class="sign-out"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}"><button type="submit">Sign out</button></form>
<form method="post" action="/console/sign-out-all" class="sign-out"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}"><button type="submit">Sign out all sessions</button></form></div></header>
<main id="app" data-page="${page || 'overview'}"><h1>${PAGES[page]}</h1></main>
<script src="/console/assets/uPlot.iife.min.js"></script><script src="/console/assets/dom.js"></script><script src="/console/assets/console.js"></script>`,
    `<meta name="csrf-token" content="${escapeHtml(csrf)}"><link rel="stylesheet" href="/console/assets/uPlot.min.css">`,
  );
}

/**
 * The operators' console (issue 16): pages, their JSON and live events under /console, signed in with the admin
 * token once and then a session cookie. Its actions go through the admin API's own routes (asked in-process with
 * the token), so pausing, resuming and redriving behave exactly as they do for API clients.
 */
/** How long an ended event stream may take to close before its connection is cut. */
const STREAM_END_GRACE_MS = 5_000;
/** Event streams one session may hold open (a few pages and tabs), and all sessions together. */
const MAX_STREAMS_PER_SESSION = 8;
const MAX_STREAMS = 200;
/** How often an open event stream checks that its session still exists (a GET per stream: 40 a second at most). */
const SESSION_CHECK_MS = 5_000;

export function consoleRoutes(app: FastifyInstance, deps: ApiDeps, auth: ConsoleAuth): void {
  const adminCall = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
    const answer = await app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${deps.config.SYNDICATE_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: answer.statusCode, json: answer.body ? (JSON.parse(answer.body) as unknown) : null };
  };
  const ops = async () => {
    const answer = await adminCall('GET', '/ops');
    if (answer.status !== 200) throw new Error(`GET /ops answered ${answer.status}`);
    return answer.json as { webhookEndpoints: Array<{ id: string; queue: Record<string, number> }>; deadLetters: Record<string, number> };
  };
  const sampler = new OverviewSampler(deps, ops, app.log as never);
  const journeys = new JourneyReader(deps);
  const throttle = new SignInThrottle(deps.redis, deps.config.REDIS_KEY_PREFIX);
  const deadLetterTopics = new DeadLetterTopics(deps);
  const feedStore = new FeedStore({ redis: deps.redis, keyPrefix: deps.config.REDIS_KEY_PREFIX });
  app.addHook('onReady', async () => sampler.start());
  // A changed admin token or secret key voids earlier sessions' cookies; this deletes the sessions themselves.
  app.addHook('onReady', async () => {
    try {
      const revoked = await auth.sessions.revokeStale();
      if (revoked > 0) app.log.info({ revoked }, 'console sessions of an earlier admin token or secret key revoked');
    } catch (error) {
      // Not worth refusing to start over: their cookies no longer verify, and they expire on their own.
      app.log.warn({ err: error }, 'could not revoke console sessions of an earlier admin token or secret key');
    }
  });
  // Open event streams would hold the server's close for ever: they end first.
  /** Each open stream and what stops its timers and listener. */
  const streams = new Map<import('node:http').ServerResponse, () => void>();
  /** Open streams per session id. */
  const streamsOf = new Map<string, number>();
  app.addHook('preClose', async () => {
    for (const [res, stop] of streams) {
      stop();
      res.end();
    }
  });
  app.addHook('preClose', async () => sampler.stop()); // before the server closes: a sample asks the app itself

  // A form post (sign-in, sign-out) arrives url-encoded.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4_096 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  const sessions = new WeakMap<FastifyRequest, { id: string; session: ConsoleSession }>();
  /** No session: pages go to the sign-in page, JSON and events get 401. State changes need the CSRF token: 403. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply) => {
    const found = await auth.session(request);
    if (!found) {
      if (request.method === 'GET' && !request.url.startsWith('/console/api/') && !request.url.startsWith('/console/events')) {
        return reply.redirect('/console/sign-in', 303);
      }
      return reply.code(401).send({ error: 'unauthorized', message: 'sign in to the console first' });
    }
    if (request.method !== 'GET' && !ConsoleAuth.csrfOk(request, found.session)) {
      return reply.code(403).send({ error: 'csrf', message: 'the console CSRF token is missing or wrong' });
    }
    sessions.set(request, found);
    // Console answers hold webhook URLs, attempt errors and dead-letter values: never kept by a cache.
    reply.header('cache-control', 'no-store');
  };
  const guarded = { ...hidden, preHandler: signedIn };

  app.get('/console/assets/:name', hidden, async (request, reply) => {
    const asset = assetBodies.get((request.params as { name: string }).name);
    if (!asset) return reply.code(404).send({ error: 'not_found', message: 'no such console asset' });
    return reply.header('content-type', asset.type).header('cache-control', 'no-cache').send(asset.body);
  });

  app.get('/console/sign-in', hidden, async (request, reply) =>
    reply
      .header('content-security-policy', CSP)
      .type('text/html; charset=utf-8')
      .send(signInPage('failed' in (request.query as object))),
  );
  app.post('/console/sign-in', hidden, async (request, reply) => {
    const wait = await throttle.waitSeconds(request.ip);
    if (wait > 0) {
      return reply
        .code(429)
        .header('retry-after', String(wait))
        .send({ error: 'too_many_sign_ins', message: `too many wrong tokens from this address; try again in ${wait} s` });
    }
    const token = (request.body as { token?: unknown } | undefined)?.token;
    if (!sameSecret(typeof token === 'string' ? token : undefined, deps.config.SYNDICATE_ADMIN_TOKEN)) {
      const failures = await throttle.failed(request.ip);
      request.log.warn({ ip: request.ip, failures }, 'console sign-in with a wrong token');
      return reply.code(401).header('content-security-policy', CSP).type('text/html; charset=utf-8').send(signInPage(true));
    }
    const { id } = await auth.sessions.create();
    return reply
      .setCookie(CONSOLE_COOKIE, id, {
        path: '/', // the console and bull-board at /ops/queues
        httpOnly: true,
        sameSite: 'strict',
        // Behind a TLS-terminating proxy the request itself may look like http: the public address says https.
        secure: request.protocol === 'https' || deps.publicBaseUrl().startsWith('https:'),
        signed: true,
        maxAge: auth.sessions.ttlSeconds,
      })
      .redirect('/console', 303);
  });
  app.post('/console/sign-out', guarded, async (request, reply) => {
    const found = sessions.get(request);
    if (found) await auth.sessions.revoke(found.id);
    return reply.clearCookie(CONSOLE_COOKIE, { path: '/' }).redirect('/console/sign-in', 303);
  });
  // Every operator's session, this one's included: for a token thought leaked, or a lost laptop.
  app.post('/console/sign-out-all', guarded, async (request, reply) => {
    const revoked = await auth.sessions.revokeAll();
    request.log.warn({ revoked }, 'every console session signed out');
    return reply.clearCookie(CONSOLE_COOKIE, { path: '/' }).redirect('/console/sign-in', 303);
  });

  for (const page of Object.keys(PAGES) as PageName[]) {
    app.get(`/console${page ? `/${page}` : ''}`, guarded, async (request, reply) =>
      reply
        .header('content-security-policy', CSP)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(appPage(page, sessions.get(request)?.session.csrf ?? '')),
    );
  }

  // The partner view: one endpoint's deliveries for its partner, replayed through the same admin route.
  partnerRoutes(app, deps, auth.partners, new SignInThrottle(deps.redis, deps.config.REDIS_KEY_PREFIX, 'partner-link'), (id, messageId) =>
    adminCall('POST', `/v1/subscriptions/${encodeURIComponent(id)}/replay`, { messageId }),
  );

  app.get('/console/api/overview', guarded, async () => ({ intervalMs: sampler.intervalMs, samples: await sampler.samples() }));

  app.get('/console/api/journey', guarded, async (request, reply) => {
    const id = await journeys.resolve(String((request.query as { q?: unknown }).q ?? ''));
    if (!id) return reply.code(404).send({ error: 'not_found', message: 'no article of this id or headline' });
    return journeys.read(id);
  });

  app.get('/console/api/webhooks', guarded, async () => {
    const view = (await ops()) as unknown as {
      webhookEndpoints: Array<{ id: string; url: string; queue: Record<string, number>; health: unknown }>;
    };
    return {
      endpoints: await Promise.all(
        view.webhookEndpoints.map(async (endpoint) => {
          const subscription = deps.registry.get(endpoint.id);
          const state = subscription?.type === 'webhook' ? subscription : undefined;
          return {
            ...endpoint,
            paused: state?.paused === true,
            disabled: state?.disabled ?? null,
            // Slow: a first attempt went unanswered too long, so its own queue serves it for a while.
            slow: await endpointIsSlow(deps.redis, deps.config.REDIS_KEY_PREFIX, endpoint.id),
          };
        }),
      ),
    };
  });
  app.get('/console/api/webhooks/:id/attempts', guarded, async (request, reply) => {
    const answer = await adminCall(
      'GET',
      `/v1/subscriptions/${encodeURIComponent((request.params as { id: string }).id)}/attempts?limit=50`,
    );
    return reply.code(answer.status).send(answer.json);
  });
  // Replay of a time range: the API's replay route sends again every delivery to the endpoint that failed for good
  // (a dead letter) between `from` and `to`; it checks the range itself (400 otherwise).
  app.post('/console/api/webhooks/:id/replay', guarded, async (request, reply) => {
    const id = encodeURIComponent((request.params as { id: string }).id);
    const { from, to } = (request.body ?? {}) as { from?: unknown; to?: unknown };
    const answer = await adminCall('POST', `/v1/subscriptions/${id}/replay`, { from, to });
    return reply.code(answer.status).send(answer.json);
  });
  for (const action of ['pause', 'resume'] as const) {
    app.post(`/console/api/webhooks/:id/${action}`, guarded, async (request, reply) => {
      const id = encodeURIComponent((request.params as { id: string }).id);
      const answer = await adminCall('PATCH', `/v1/subscriptions/${id}`, { paused: action === 'pause' });
      return reply.code(answer.status).send(answer.json);
    });
  }

  app.get('/console/api/feeds', guarded, async () => {
    const feeds = [
      { id: null, slug: ALL_FEED, title: 'Everything', access: 'public' as const, filter: null },
      ...deps.registry
        .ofType('feed')
        .map((f) => ({ id: f.id, slug: f.slug, title: f.title ?? null, access: f.access, filter: f.filter ?? null })),
    ];
    return {
      feeds: await Promise.all(
        feeds.map(async (feed) => {
          const [items, ...byFormat] = await Promise.all([
            feedStore.list(feed.slug, 20),
            ...HUB_FORMATS.map((format) => deps.hubSubscribers.list(feed.slug, format)),
          ]);
          return {
            ...feed,
            items: items.map((item) => ({
              id: item.article.id,
              version: item.article.version,
              headline: item.article.headline,
              publishedAt: item.article.publishedAt,
            })),
            // WebSub: the verified, unexpired subscriptions of each of the feed's documents (secrets left out).
            subscribers: byFormat
              .flat()
              .map((s) => ({ format: s.format, callback: s.callback, expiresAt: new Date(s.expiresAt).toISOString() })),
          };
        }),
      ),
    };
  });

  app.get('/console/api/partners', guarded, async () => {
    const byTopic = new Map<string, Array<{ id: string; partnerId: string; format: string }>>();
    for (const p of deps.registry.ofType('partner-queue')) {
      const topic = deps.topics.partner(p.partnerId);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { id: p.id, partnerId: p.partnerId, format: p.format }]);
    }
    return {
      topics: await Promise.all(
        [...byTopic].map(async ([topic, subscriptions]) => {
          // A partner's topic is made by the fanout with its first message: until then it has no offsets.
          const partitions = await deps.topicWatermarks(topic).catch(() => null);
          return {
            topic,
            subscriptions,
            partitions,
            messages: partitions?.reduce((sum, p) => sum + p.high - p.low, 0) ?? null,
          };
        }),
      ),
    };
  });

  app.get('/console/api/dlq', guarded, async () => {
    const view = await ops();
    const endpoints = await Promise.all(
      deps.registry.ofType('webhook').map(async (endpoint) => ({
        endpointId: endpoint.id,
        url: endpoint.url,
        deadLetters: (await deps.webhookQueue(endpoint.id).getFailed(0, 99)).map((job) => ({
          messageId: job.id ?? '',
          articleId: typeof job.data?.articleId === 'string' ? job.data.articleId : null,
          reason: job.failedReason,
          attempts: job.attemptsMade,
          failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        })),
      })),
    );
    return { topics: view.deadLetters, endpoints };
  });
  // The Kafka dead-letter topics: browse one's last messages, redrive one or all back to the topic they came from.
  const knownTopic = (topic: string) => deadLetterTopics.topics().includes(topic);
  app.get('/console/api/dlq/topics/:topic', guarded, async (request, reply) => {
    const { topic } = request.params as { topic: string };
    if (!knownTopic(topic)) return reply.code(404).send({ error: 'not_found', message: 'no such dead-letter topic' });
    const limit = Math.min(Math.max(Number((request.query as { limit?: string }).limit) || 50, 1), 500);
    return { topic, messages: await deadLetterTopics.browse(topic, limit) };
  });
  app.post('/console/api/dlq/topics/:topic/redrive', guarded, async (request, reply) => {
    const { topic } = request.params as { topic: string };
    if (!knownTopic(topic)) return reply.code(404).send({ error: 'not_found', message: 'no such dead-letter topic' });
    const body = (request.body ?? {}) as { partition?: unknown; offset?: unknown };
    const one = typeof body.partition === 'number' && typeof body.offset === 'string';
    if (!one && (body.partition !== undefined || body.offset !== undefined)) {
      return reply
        .code(400)
        .send({ error: 'invalid_request', message: 'give partition (a number) and offset (a string), or neither for all' });
    }
    return deadLetterTopics.redrive(topic, one ? { partition: body.partition as number, offset: body.offset as string } : 'all');
  });

  app.post('/console/api/dlq/:endpointId/redrive', guarded, async (request, reply) => {
    const id = encodeURIComponent((request.params as { endpointId: string }).endpointId);
    const messageId = (request.body as { messageId?: unknown } | undefined)?.messageId;
    // One dead letter by its webhook-id, or all of them: every delivery that failed for good until now.
    const which = typeof messageId === 'string' ? { messageId } : { from: new Date(0).toISOString(), to: new Date().toISOString() };
    const answer = await adminCall('POST', `/v1/subscriptions/${id}/replay`, which);
    return reply.code(answer.status).send(answer.json);
  });

  /**
   * Server-sent events: every overview sample as it is taken ('sample'), and with ?article=<id> that story's journey
   * whenever it changes ('journey'; re-read every second while the page is open, sent only when different).
   */
  app.get('/console/events', guarded, (request, reply) => {
    const articleId = (request.query as { article?: unknown }).article;
    const sessionId = sessions.get(request)?.id ?? '';
    const ofSession = streamsOf.get(sessionId) ?? 0;
    // Each stream holds a connection, and one about a story reads its journey every second: bounded, so one
    // session (or all of them) cannot open enough to load Redis or the process.
    if (ofSession >= MAX_STREAMS_PER_SESSION || streams.size >= MAX_STREAMS) {
      return reply.code(429).send({ error: 'too_many_streams', message: 'too many open console event streams; close some pages' });
    }
    streamsOf.set(sessionId, ofSession + 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // A browser gone away shows as an error on the response; 'close' below tears the stream down. Nothing is written
    // once it has ended: a write after the end is an error of its own, and a second one has no listener left.
    res.on('error', () => {});
    const write = (chunk: string) => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    };
    const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.write(': connected\n\n');
    const onSample = (sample: unknown) => send('sample', sample);
    sampler.on('sample', onSample);
    let lastJourney = '';
    let reading = false;
    const journeyTimer =
      typeof articleId === 'string' && articleId !== ''
        ? setInterval(async () => {
            if (reading) return;
            reading = true;
            try {
              const journey = JSON.stringify(await journeys.read(articleId));
              if (journey !== lastJourney) {
                lastJourney = journey;
                write(`event: journey\ndata: ${journey}\n\n`);
              }
            } catch (error) {
              request.log.warn({ err: error, articleId }, 'console journey read failed');
            } finally {
              reading = false;
            }
          }, 1_000)
        : undefined;
    // A comment every 15 s keeps proxies from closing an idle stream.
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), 15_000);
    // A stream outlives no sign-out: once its session is gone (signed out, all signed out, expired), it ends.
    const sessionCheck = setInterval(() => {
      auth.sessions.get(sessionId).then(
        (session) => {
          if (session) return;
          stop();
          res.end();
          // An end waits for a browser that may have stopped reading (a laptop asleep), and until the response has
          // closed the stream still counts against the caps: such a one is cut off after a grace period.
          setTimeout(() => res.destroy(), STREAM_END_GRACE_MS).unref();
        },
        () => {}, // Redis away: checked again next time
      );
    }, SESSION_CHECK_MS);
    const stop = () => {
      sampler.off('sample', onSample);
      clearInterval(journeyTimer);
      clearInterval(keepAlive);
      clearInterval(sessionCheck);
    };
    request.raw.on('close', () => {
      stop();
      streams.delete(res);
      const left = (streamsOf.get(sessionId) ?? 1) - 1;
      if (left > 0) streamsOf.set(sessionId, left);
      else streamsOf.delete(sessionId);
    });
    streams.set(res, stop);
  });
}
