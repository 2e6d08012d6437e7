/**
 * The webhook receiver for bench/webhooks.ts, in a process of its own: answers 204 to every POST, and for
 * bodies that carry a send time (the article's standfirst) records publish-to-receipt latency. GET /stats
 * returns {count, latencies}; POST /reset clears them.
 */
import { createServer } from 'node:http';

let count = 0;
let latencies: number[] = [];
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats')
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count, latencies }));
  if (req.url === '/reset') {
    count = 0;
    latencies = [];
    return void res.writeHead(204).end();
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    count++;
    const sentAt = Number((JSON.parse(Buffer.concat(chunks).toString()) as { data?: { standfirst?: string } }).data?.standfirst);
    if (sentAt > 0) latencies.push(Date.now() - sentAt);
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
