import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

type Trust = (address: string, hop: number) => boolean;
const compiled = new Map<string, Trust>();

/**
 * Which proxies' `X-Forwarded-For` to believe, from `TRUST_PROXY`: empty (none: the peer is the client),
 * `true` (all), a hop count, or comma-separated addresses/CIDRs. Fastify and the feed server use the same one.
 */
export function proxyTrust(setting: string): Trust {
  let trust = compiled.get(setting);
  if (!trust) {
    const value = setting.trim();
    if (value === '' || value === 'false') trust = () => false;
    else if (value === 'true') trust = () => true;
    else if (/^\d+$/.test(value)) trust = (_address, hop) => hop < Number(value);
    else trust = proxyaddr.compile(value.split(',').map((v) => v.trim()));
    compiled.set(setting, trust);
  }
  return trust;
}

/** The client's address as the rate limits see it. */
export function clientAddress(req: IncomingMessage, setting: string): string | undefined {
  if (setting === '') return req.socket.remoteAddress;
  return proxyaddr(req, proxyTrust(setting));
}
