import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Verification {
  mode: string | null;
  topic: string | null;
  challenge: string | null;
  leaseSeconds: string | null;
  /** Why the hub denied a subscription (hub.mode=denied). */
  reason: string | null;
}

/**
 * A WebSub subscriber on loopback (127.0.0.1, or another address of 127.0.0.0/8 given as `host`, to be a
 * callback host of its own): answers verification GETs by echoing hub.challenge (unless told to refuse),
 * records them and denials, records content pushes, and answers them with `pushStatus`.
 */
export async function startWebSubSubscriber(options: { confirm?: boolean; pushStatus?: number; host?: string } = {}) {
  const verifications: Verification[] = [];
  const pushes: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET') {
      const q = url.searchParams;
      verifications.push({
        mode: q.get('hub.mode'),
        topic: q.get('hub.topic'),
        challenge: q.get('hub.challenge'),
        leaseSeconds: q.get('hub.lease_seconds'),
        reason: q.get('hub.reason'),
      });
      if (options.confirm === false) return res.writeHead(404).end('no thanks');
      return res.writeHead(200, { 'content-type': 'text/plain' }).end(q.get('hub.challenge') ?? '');
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      pushes.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(options.pushStatus ?? 204).end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    callback: `http://${host}:${port}/websub/callback`,
    verifications,
    pushes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
