/**
 * The baseline for the feed server benchmark: a bare node:http server that returns the same bytes and
 * headers, and a 304 when If-None-Match matches. Run as a child process by bench/feeds-server.ts.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [bodyFile, etag, contentType, lastModified] = process.argv.slice(2) as [string, string, string, string];
const body = readFileSync(bodyFile);
const server = createServer((req, res) => {
  const headers = { etag, 'last-modified': lastModified, 'cache-control': 'public, max-age=60', vary: 'Accept-Encoding' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': contentType, 'content-length': body.length }).end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
