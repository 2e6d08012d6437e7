import { createHash } from 'node:crypto';
import { ALL_FEED, renderRss } from '@syndicate/feeds';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';

const FORMATS = { rss: 'application/rss+xml; charset=utf-8' } as const;
type Format = keyof typeof FORMATS;

/** Feeds with strong validators, so readers that poll get a cheap 304 when nothing changed. */
export function feedRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { file: string } }>('/feeds/:file', async (request, reply) => {
    const match = request.params.file.match(/^([a-z0-9][a-z0-9-]{0,63})\.([a-z]+)$/);
    const [, slug, extension] = match ?? [];
    if (!slug || !extension) throw new HttpError(404, 'not_found', 'feeds are at /feeds/{slug}.rss');
    if (!(extension in FORMATS))
      throw new HttpError(404, 'unsupported_format', `no .${extension} feeds; available: ${Object.keys(FORMATS).join(', ')}`);
    const feed = slug === ALL_FEED ? undefined : deps.registry.ofType('feed').find((f) => f.slug === slug);
    if (slug !== ALL_FEED && !feed) throw new HttpError(404, 'not_found', `no feed ${slug}`);

    const items = await deps.feeds.list(slug, deps.config.FEED_PAGE_ITEMS);
    const base = deps.publicBaseUrl();
    const body = renderRss(
      { title: feed ? `Syndicate: ${slug}` : 'Syndicate: all articles', selfUrl: `${base}/feeds/${slug}.${extension}`, siteUrl: base },
      items,
    );
    const newest = items.reduce((max, { article }) => Math.max(max, Date.parse(article.updatedAt ?? article.publishedAt)), 0);
    return sendCacheable(request, reply, body, FORMATS[extension as Format], newest);
  });
}

function sendCacheable(request: FastifyRequest, reply: FastifyReply, body: string, contentType: string, lastModifiedMs: number) {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const lastModified = new Date(Math.floor((lastModifiedMs || Date.now()) / 1_000) * 1_000);
  reply.header('etag', etag).header('last-modified', lastModified.toUTCString()).header('cache-control', 'public, max-age=60');
  const ifNoneMatch = request.headers['if-none-match'];
  const ifModifiedSince = request.headers['if-modified-since'];
  // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
  const notModified =
    ifNoneMatch !== undefined
      ? ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')
      : ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= lastModified.getTime();
  if (notModified) return reply.code(304).send();
  return reply.type(contentType).send(body);
}
