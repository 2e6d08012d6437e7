import { createHash, timingSafeEqual } from 'node:crypto';
import type { FeedSubscription } from '@syndicate/contracts';
import { ALL_FEED, type CachedFeed, encodedBody, FeedCache, isFeedFormat } from '@syndicate/feeds';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Partner-only feeds accept their token as a bearer token or, for readers that only take a URL, `?token=`. */
function allowed(feed: FeedSubscription, request: FastifyRequest<{ Querystring: { token?: string } }>): boolean {
  if (feed.access !== 'token') return true;
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : (request.query.token ?? '');
  return Boolean(feed.token && given && timingSafeEqual(digest(given), digest(feed.token)));
}

/** Prefers brotli, then gzip, when the client accepts them (q=0 refuses). */
function negotiateEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
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

/**
 * Feeds in three formats with strong validators, so a poll that finds nothing new is a cheap 304, and
 * rendered documents cached in memory until the feed changes. `?before=<ms>` reads an RFC 5005 archive page.
 */
export function feedRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { file: string }; Querystring: { before?: string; token?: string } }>('/feeds/:file', async (request, reply) => {
    const [, slug, format] = request.params.file.match(/^([a-z0-9][a-z0-9-]{0,63})\.([a-z]+)$/) ?? [];
    if (!slug || !format) throw new HttpError(404, 'not_found', 'feeds are at /feeds/{slug}.rss, .atom or .json');
    if (!isFeedFormat(format)) throw new HttpError(404, 'unsupported_format', `no .${format} feeds; use .rss, .atom or .json`);
    const feed = slug === ALL_FEED ? undefined : deps.registry.ofType('feed').find((f) => f.slug === slug);
    if (slug !== ALL_FEED && !feed) throw new HttpError(404, 'not_found', `no feed ${slug}`);
    if (feed && !allowed(feed, request)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="feeds"')
        .send({ error: 'unauthorized', message: `feed ${slug} needs its token` });
    }
    const before = request.query.before;
    if (before !== undefined && !/^\d{1,15}$/.test(before))
      throw new HttpError(400, 'invalid_before', 'before must be a time in milliseconds');
    const olderThan = before === undefined ? undefined : Number(before);

    const key = FeedCache.key(slug, format, olderThan);
    let entry = deps.feedCache.get(key);
    if (!entry) {
      const generation = deps.feedCache.generation(slug);
      const title = feed?.title ?? (feed ? `Syndicate: ${slug}` : 'Syndicate: all articles');
      entry = deps.feedCache.set(key, slug, generation, await deps.feedDocuments.render(slug, title, format, olderThan));
    }
    return sendCacheable(request, reply, entry, feed?.access === 'token');
  });
}

function sendCacheable(request: FastifyRequest, reply: FastifyReply, entry: CachedFeed, isPrivate: boolean) {
  const encoding = negotiateEncoding(request.headers['accept-encoding']);
  // A strong validator names one representation, so each encoding has its own.
  const etag = encoding ? `${entry.etag.slice(0, -1)}-${encoding}"` : entry.etag;
  reply
    .header('etag', etag)
    .header('last-modified', entry.lastModified.toUTCString())
    .header('cache-control', `${isPrivate ? 'private' : 'public'}, max-age=60`)
    .header('vary', 'Accept-Encoding');
  const ifNoneMatch = request.headers['if-none-match'];
  const ifModifiedSince = request.headers['if-modified-since'];
  // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2). Any encoding's tag of
  // the same content matches: the content is what the client has.
  const base = entry.etag.slice(1, -1);
  const notModified =
    ifNoneMatch !== undefined
      ? ifNoneMatch.split(',').some((t) => {
          const tag = t.trim().replace(/^W\//, '');
          return tag === '*' || tag === entry.etag || tag === `"${base}-br"` || tag === `"${base}-gzip"`;
        })
      : ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= Math.floor(entry.lastModified.getTime() / 1_000) * 1_000;
  if (notModified) return reply.code(304).send();
  reply.type(entry.contentType);
  if (encoding) return reply.header('content-encoding', encoding).send(encodedBody(entry, encoding));
  return reply.send(entry.bytes);
}
