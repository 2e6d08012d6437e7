import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * A real HTTP endpoint that records every request, on loopback unless `host` says otherwise (0.0.0.0 for
 * senders in containers). `respond` decides the status of each one (default 204), so tests can make it fail
 * a few times first.
 */
export async function startWebhookReceiver(
  respond: (request: ReceivedRequest, index: number) => number = () => 204,
  { host = '127.0.0.1' }: { host?: string } = {},
) {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: 0 };
      request.status = respond(request, received.length);
      received.push(request);
      res.writeHead(request.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/syndicate`,
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
