/**
 * `syndicate publish`'s client against a stand-in for the API: articles go to POST /v1/articles/batch in batches
 * (not a request each), results come back per article in order, a batch the API finds too large is split, and a
 * batch that fails as a whole fails each of its articles.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { publishArticles } from './publish.js';

interface FakeApi {
  url: string;
  /** The path and the number of articles of each request. */
  requests: Array<{ path: string; articles: number }>;
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** Answers each article 202, or 400 when its headline says REJECT; more than `maxArticles` in a request: 413. */
async function fakeApi(maxArticles = 500): Promise<FakeApi> {
  const requests: FakeApi['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { articles } = JSON.parse(Buffer.concat(chunks).toString()) as { articles: Array<{ id: string; headline: string }> };
      requests.push({ path: req.url ?? '', articles: articles.length });
      res.setHeader('content-type', 'application/json');
      if (articles.length > maxArticles) {
        res.writeHead(413).end(JSON.stringify({ error: 'too_many_articles', message: 'too many' }));
        return;
      }
      const results = articles.map((a) =>
        a.headline.includes('REJECT')
          ? { status: 400, error: 'invalid_request', message: 'headline: not this one' }
          : { status: 202, id: a.id, version: 1, type: 'article.published' },
      );
      res.writeHead(200).end(JSON.stringify({ results }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

const articles = (count: number, reject: number[] = []) =>
  Array.from({ length: count }, (_, n) => ({
    label: `file-${n}.txt`,
    data: { id: `a-${n}`, headline: reject.includes(n) ? `REJECT ${n}` : `Story ${n}`, body: ['Text.'] },
  }));

describe('publishArticles', () => {
  it('sends batches to the batch route and answers per article, in order', async () => {
    const api = await fakeApi();
    const progress: number[] = [];
    const results = await publishArticles(articles(7, [3]), {
      apiUrl: api.url,
      token: 't',
      batchSize: 3,
      onProgress: (done) => progress.push(done),
    });
    expect(api.requests).toEqual([
      { path: '/v1/articles/batch', articles: 3 },
      { path: '/v1/articles/batch', articles: 3 },
      { path: '/v1/articles/batch', articles: 1 },
    ]);
    expect(results.map((r) => [r.file, r.ok])).toEqual(Array.from({ length: 7 }, (_, n) => [`file-${n}.txt`, n !== 3]));
    expect(results[0]?.detail).toBe('a-0 v1');
    expect(results[3]?.detail).toBe('HTTP 400: headline: not this one');
    expect(progress.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('splits a batch the API finds too large, and fails every article of a batch the API cannot take', async () => {
    const api = await fakeApi(2);
    const results = await publishArticles(articles(5), { apiUrl: api.url, token: 't', batchSize: 5, concurrency: 1 });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(api.requests.map((r) => r.articles)).toEqual([5, 3, 2, 1, 2]);

    const unreachable = await publishArticles(articles(3), { apiUrl: 'http://127.0.0.1:9', token: 't' });
    expect(unreachable.map((r) => r.ok)).toEqual([false, false, false]);
    expect(unreachable[0]?.detail).toMatch(/^cannot reach/);
  });
});
