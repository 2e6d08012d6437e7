import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook must never reach unless an operator allows them: loopback, private, shared, link-local
 * (cloud metadata lives at 169.254.169.254 and fd00:ec2::254), multicast, reserved and unspecified.
 */
const REFUSED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const REFUSED_V6 = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const;

const refused = new BlockList();
for (const [net, prefix] of REFUSED_V4) refused.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of REFUSED_V6) refused.addSubnet(net, prefix, 'ipv6');

export class WebhookUrlError extends Error {}

/** Parses `SYNDICATE_WEBHOOK_ALLOWLIST`: comma-separated CIDRs that may be targeted although refused above. */
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

/** Why an address may not be targeted, or null if it may. IPv4-mapped IPv6 addresses are judged as IPv4. */
export function refusedAddressReason(address: string, allowlist: BlockList): string | null {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
  const ip = mapped ?? address;
  const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (allowlist.check(ip, type)) return null;
  return refused.check(ip, type) ? `${address} is a loopback, private, link-local, multicast or reserved address` : null;
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
