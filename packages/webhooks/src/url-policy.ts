import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export class WebhookUrlError extends Error {}

/**
 * Refused although ipaddr.js may call them unicast: IPv4-compatible IPv6 (::/96, deprecated but still routed
 * to IPv4 by some stacks), and, whatever its version's tables say, local-use NAT64 and the 6to4 relay.
 */
const ALSO_REFUSED = new BlockList();
ALSO_REFUSED.addSubnet('::', 96, 'ipv6');
ALSO_REFUSED.addSubnet('64:ff9b:1::', 48, 'ipv6');
ALSO_REFUSED.addSubnet('192.88.99.0', 24, 'ipv4');

/** Parses `SYNDICATE_WEBHOOK_ALLOWLIST`: comma-separated CIDRs that may be targeted although refused below. */
export function parseAllowlist(cidrs: string): BlockList {
  const allow = new BlockList();
  for (const cidr of cidrs
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)) {
    const [net, bits] = cidr.split('/');
    const family = isIP(net ?? '');
    if (!net || family === 0) throw new Error(`SYNDICATE_WEBHOOK_ALLOWLIST: ${cidr} is not an address or CIDR`);
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`SYNDICATE_WEBHOOK_ALLOWLIST: ${cidr} has a bad prefix length`);
    }
    allow.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return allow;
}

/**
 * Why an address may not be targeted, or null if it may. Only global unicast addresses may, unless an operator
 * allows a range: ipaddr.js's special ranges cover loopback, private, shared (CGNAT), link-local (cloud
 * metadata at 169.254.169.254 and fd00:ec2::254), multicast, reserved and documentation ranges, and the
 * IPv6 ranges that reach IPv4 or other networks through a gateway (NAT64 64:ff9b::/96 and 64:ff9b:1::/48,
 * 6to4 2002::/16 and its relay 192.88.99.0/24, Teredo 2001::/32, IPv4-compatible ::/96, site-local
 * fec0::/10). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4 address they are.
 */
export function refusedAddressReason(address: string, allowlist: BlockList): string | null {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip);
  if (family === 0) return `${address} is not an IP address`;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (allowlist.check(ip, type)) return null;
  const range = ALSO_REFUSED.check(ip, type) ? 'gateway' : ipaddr.parse(ip).range();
  return range === 'unicast' ? null : `${address} is not a public unicast address (${range})`;
}

export interface UrlPolicy {
  allowlist: BlockList;
  requireHttps?: boolean;
}

/**
 * Checks a webhook URL when it is registered: scheme, no credentials, and a literal address outside the
 * refused ranges. Host names are resolved and checked again at every delivery.
 */
export function checkWebhookUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('not a valid URL');
  }
  if (url.protocol !== 'https:' && (policy.requireHttps || url.protocol !== 'http:')) {
    throw new WebhookUrlError(policy.requireHttps ? 'must use https' : 'must use http or https');
  }
  if (url.username || url.password) throw new WebhookUrlError('must not carry credentials; use the signing secret');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // "localhost" always means loopback (RFC 6761), so it is judged like the literal address.
  const literal = /^localhost\.?$|\.localhost\.?$/i.test(host) ? '127.0.0.1' : host;
  if (isIP(literal)) {
    const reason = refusedAddressReason(literal, policy.allowlist);
    if (reason) throw new WebhookUrlError(`refused: ${reason}`);
  }
  return url;
}
