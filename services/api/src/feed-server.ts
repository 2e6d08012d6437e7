import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FeedSubscription } from '@syndicate/contracts';
import { type CachedFeed, FeedCache } from '@syndicate/feed-store';
import { ALL_FEED, isFeedFormat } from '@syndicate/feeds';
import type { Logger } from '@syndicate/observability';
import { Counter, Histogram } from '@syndicate/observability';
import { isRedisUnavailableError, StoreUnavailableError } from '@syndicate/redis-runtime';
import { hasBearer } from './auth.js';
import type { ApiDeps } from './deps.js';
import { dependencyUnavailable, HttpError } from './errors.js';
import { clientAddress } from './proxy-trust.js';
import { clientKey } from './rate-limiter.js';

const FEED_PATH = /^\/feeds\/([a-z0-9][a-z0-9-]{0,63})\.([a-z]+)$/;
const digest = (s: string) => createHash('sha256').update(s).digest();
/** The archive boundary of a `?before=` newer than every item: the page then holds every item. */
const NEWEST_BOUNDARY = 999_999_999_999_999;

/** A counting semaphore: `take()` waits while all `size` slots are taken. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** Partner-only feeds accept their token as a bearer token or, for readers that only take a URL, `?token=`. */
function allowed(feed: FeedSubscription, headers: IncomingHttpHeaders, query: URLSearchParams): boolean {
  if (feed.access !== 'token') return true;
  const header = headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : (query.get('token') ?? '');
  // Only the token's hash is kept (see feedTokenHash): the given token's hash is compared with it, in constant time.
  const expected = feed.tokenHash?.startsWith('sha256:') ? Buffer.from(feed.tokenHash.slice(7), 'hex') : undefined;
  return Boolean(expected?.length === 32 && given && timingSafeEqual(digest(given), expected));
}

/** Prefers brotli, then gzip, when the client accepts them (q=0 refuses). */
export function negotiateEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Map(
    acceptEncoding.split(',').map((part) => {
      const [name = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return [name.trim(), q ? Number(q.slice(2)) : 1] as const;
    }),
  );
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

/** RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since. Any encoding's tag of the same content matches. */
function notModified(headers: IncomingHttpHeaders, entry: CachedFeed): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch === entry.etag) return true; // the common case, without parsing
    const base = entry.etag.slice(1, -1);
    return ifNoneMatch.split(',').some((t) => {
      const tag = t.trim().replace(/^W\//, '');
      return tag === '*' || tag === entry.etag || tag === `"${base}-br"` || tag === `"${base}-gzip"`;
    });
  }
  const since = headers['if-modified-since'];
  return since !== undefined && Date.parse(since) >= Math.floor(entry.lastModified.getTime() / 1_000) * 1_000;
}

/**
 * Serves `GET /feeds/{slug}.{rss|atom|json}` straight on node:http, ahead of Fastify: feed polling is the
 * hottest path, and most polls end in a 304 from the in-memory cache. Strong validators per encoding,
 * brotli/gzip made once per render, `?before=<ms>` for RFC 5005 archive pages, tokens for partner-only feeds.
 */
export class FeedServer {
  private readonly renders: Histogram;
  private readonly responses: Counter;
  private readonly byStatus = new Map<number, { inc(): void }>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly isAdmin: (req: IncomingMessage) => boolean;
  /** Renders at once, whatever the number of distinct pages asked for: the rest wait their turn. */
  private readonly renderSlots = new Slots(4);

  constructor(
    private readonly deps: ApiDeps,
    private readonly logger: Logger,
  ) {
    this.isAdmin = hasBearer(deps.config.SYNDICATE_ADMIN_TOKEN);
    this.responses = new Counter({
      name: 'syndicate_feed_responses_total',
      help: 'Feed responses by status (304s are polls that found nothing new)',
      labelNames: ['status'],
      registers: [deps.metrics],
    });
    this.renders = new Histogram({
      name: 'syndicate_feed_render_seconds',
      help: 'Time to read and render a feed document that was not cached',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [deps.metrics],
    });
  }

  /** True for requests this server answers; everything else goes to Fastify. */
  static handles(req: IncomingMessage): boolean {
    return (req.method === 'GET' || req.method === 'HEAD') && req.url !== undefined && req.url.startsWith('/feeds/');
  }

  /** Synchronous while the document (and its encoding) is cached, which is nearly always: no promise per poll. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.limit(req);
      const request = this.parse(req);
      if (this.storeDown()) {
        this.serveStale(req, res, request);
        return;
      }
      const entry = this.deps.feedCache.get(request.key);
      if (entry) {
        this.respond(req, res, request, entry);
        return;
      }
      this.renderAndRespond(req, res, request).catch((error: unknown) => this.serveStale(req, res, request, error));
    } catch (error) {
      this.fail(req, res, error);
    }
  }

  /** Redis is away (the connection is down, or the background check failed): nothing fresh can be rendered. */
  private storeDown(): boolean {
    return this.deps.redis.status !== 'ready' || this.deps.readiness.isDown('redis');
  }

  /**
   * While Redis is away: the copy held, however old, marked stale (changes announced meanwhile cannot have
   * reached us); 503 store_unavailable without one. `error`: why rendering failed, if it was tried.
   */
  private serveStale(req: IncomingMessage, res: ServerResponse, request: ReturnType<FeedServer['parse']>, error?: unknown) {
    if (error !== undefined && !isRedisUnavailableError(error)) return this.fail(req, res, error);
    const entry = this.deps.feedCache.stale(request.key);
    if (!entry) return this.fail(req, res, error ?? new StoreUnavailableError());
    this.respond(req, res, request, entry, true);
  }

  /** Per-client request limit, counted across API processes (see SharedRateLimiter). */
  private limit(req: IncomingMessage) {
    const { RATE_LIMIT_FEEDS, RATE_LIMIT_WINDOW_MS } = this.deps.config;
    const client = clientKey(clientAddress(req, this.deps.config.TRUST_PROXY));
    const { count, resetMs } = this.deps.rateLimiter.hit(`feeds:${client}`, RATE_LIMIT_WINDOW_MS);
    if (count > RATE_LIMIT_FEEDS) {
      throw new HttpError(429, 'rate_limited', `more than ${RATE_LIMIT_FEEDS} feed requests in ${RATE_LIMIT_WINDOW_MS / 1_000} s`, {
        retryAfterSeconds: Math.ceil(resetMs / 1_000),
      });
    }
  }

  private async renderAndRespond(req: IncomingMessage, res: ServerResponse, asked: ReturnType<FeedServer['parse']>) {
    let request = asked;
    if (asked.olderThan !== undefined) {
      // Any `before` is served as the real archive page boundary it falls on: one render and cache entry per page.
      const boundary =
        (await this.once(`boundary\n${asked.slug}\n${asked.olderThan}`, () =>
          this.deps.feedDocuments.archiveBoundary(asked.slug, asked.olderThan as number),
        )) ?? NEWEST_BOUNDARY;
      request = { ...asked, olderThan: boundary, key: FeedCache.key(asked.slug, asked.format, boundary) };
      const cached = this.deps.feedCache.get(request.key);
      if (cached) return this.respond(req, res, request, cached);
    }
    const rendered = await this.once(`render\n${request.key}`, async () => {
      await this.renderSlots.take();
      try {
        const started = performance.now();
        const entry = await this.render(request);
        this.renders.observe((performance.now() - started) / 1_000);
        return entry;
      } finally {
        this.renderSlots.give();
      }
    });
    this.respond(req, res, request, rendered);
  }

  /**
   * One call per key at a time: requests that miss the cache together share one render (or one boundary
   * lookup) instead of each making their own, as a burst of identical requests otherwise would.
   */
  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private count(status: number) {
    let child = this.byStatus.get(status);
    if (!child) {
      child = this.responses.labels({ status: String(status) });
      this.byStatus.set(status, child);
    }
    child.inc();
  }

  private fail(req: IncomingMessage, res: ServerResponse, error: unknown) {
    const unavailable = dependencyUnavailable(error);
    if (unavailable) {
      this.count(503);
      if (res.headersSent) return void res.destroy();
      const headers = { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(unavailable.retryAfterSeconds) };
      const body = JSON.stringify({ error: unavailable.code, message: unavailable.message });
      return void res.writeHead(503, headers).end(req.method === 'HEAD' ? undefined : body);
    }
    const status = error instanceof HttpError ? error.statusCode : 500;
    // The path only: a query string may hold a partner's feed token.
    if (status >= 500) this.logger.error({ err: error, path: req.url?.split('?')[0] }, 'feed request failed');
    this.count(status);
    if (res.headersSent) return void res.destroy();
    const body = JSON.stringify({
      error: error instanceof HttpError ? error.code : 'internal_error',
      message: error instanceof HttpError ? error.message : 'internal error',
    });
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (status === 401) headers['www-authenticate'] = 'Bearer realm="feeds"';
    const retryAfter =
      error instanceof HttpError ? (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : body);
  }

  /** What is asked for, checked: 404 for unknown feeds and formats, 401 without a partner token. */
  private parse(req: IncomingMessage) {
    const url = req.url as string;
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? undefined : new URLSearchParams(url.slice(queryAt + 1));
    const [, slug, format] = path.match(FEED_PATH) ?? [];
    if (!slug || !format) throw new HttpError(404, 'not_found', 'feeds are at /feeds/{slug}.rss, .atom or .json');
    if (!isFeedFormat(format)) throw new HttpError(404, 'unsupported_format', `no .${format} feeds; use .rss, .atom or .json`);
    const feed = slug === ALL_FEED ? undefined : this.deps.registry.feedBySlug(slug);
    if (slug !== ALL_FEED && !feed) throw new HttpError(404, 'not_found', `no feed ${slug}`);
    if (feed && !allowed(feed, req.headers, query ?? new URLSearchParams()))
      throw new HttpError(401, 'unauthorized', `feed ${slug} needs its token`);
    // The admin token as a bearer token only: in a URL it would end up in proxies' and CDNs' logs.
    if (!feed && !this.deps.config.FEED_ALL_PUBLIC && !this.isAdmin(req))
      throw new HttpError(401, 'unauthorized', 'the all feed needs the admin token as a bearer token here (FEED_ALL_PUBLIC=false)');
    const before = query?.get('before') ?? null;
    if (before !== null && !/^\d{1,15}$/.test(before)) throw new HttpError(400, 'invalid_before', 'before must be a time in milliseconds');
    const olderThan = before === null ? undefined : Number(before);
    return { slug, format, feed, olderThan, key: FeedCache.key(slug, format, olderThan) };
  }

  private async render({ slug, format, feed, olderThan, key }: ReturnType<FeedServer['parse']>): Promise<CachedFeed> {
    const cache = this.deps.feedCache;
    const generation = cache.generation(slug);
    const title = feed?.title ?? (feed ? `Syndicate: ${slug}` : 'Syndicate: all articles');
    return cache.set(key, slug, generation, await this.deps.feedDocuments.render(slug, title, format, olderThan));
  }

  private respond(
    req: IncomingMessage,
    res: ServerResponse,
    { feed }: ReturnType<FeedServer['parse']>,
    entry: CachedFeed,
    stale = false,
  ): void {
    const encoding = negotiateEncoding(req.headers['accept-encoding']);
    const needsToken = feed ? feed.access === 'token' : !this.deps.config.FEED_ALL_PUBLIC;
    // A strong validator names one representation, so each encoding has its own.
    const headers: Record<string, string | number> = {
      etag: encoding ? `${entry.etag.slice(0, -1)}-${encoding}"` : entry.etag,
      'last-modified': entry.lastModifiedHttp,
      // A response that needed a token must never be stored by a shared cache (RFC 9111 3.5 lets one, if public).
      'cache-control': `${needsToken ? 'private' : 'public'}, max-age=${stale ? 0 : 60}`,
      vary: 'Accept-Encoding',
    };
    if (stale) {
      // RFC 7234's stale warning (obsolete in RFC 9111, still read by caches and tools) and our own plain flag.
      headers.warning = '110 - "Response is Stale"';
      headers['x-syndicate-stale'] = '1';
    }
    if (notModified(req.headers, entry)) {
      this.count(304);
      res.writeHead(304, headers).end();
      return;
    }
    const encoded = encoding ? this.deps.feedCache.encoded(entry, encoding) : entry.body;
    if (encoded instanceof Promise) {
      encoded.then((body) => this.send(req, res, headers, entry, encoding, body)).catch((error: unknown) => this.fail(req, res, error));
      return;
    }
    this.send(req, res, headers, entry, encoding, encoded);
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    headers: Record<string, string | number>,
    entry: CachedFeed,
    encoding: 'br' | 'gzip' | undefined,
    body: Buffer,
  ) {
    headers['content-type'] = entry.contentType;
    headers['content-length'] = body.length;
    if (encoding) headers['content-encoding'] = encoding;
    this.count(200);
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
  }
}
