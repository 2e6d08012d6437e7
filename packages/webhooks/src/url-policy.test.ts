import { describe, expect, it } from 'vitest';
import { AddressRefusedError, parseRetryAfter, WebhookSender } from './sender.js';
import { checkWebhookUrl, parseAllowlist, refusedAddressReason, WebhookUrlError } from './url-policy.js';

const strict = { allowlist: parseAllowlist('') };

describe('checkWebhookUrl', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://localhost:8080/hook',
    'http://10.1.2.3/',
    'http://172.20.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/',
    'http://[::ffff:127.0.0.1]/',
    'http://224.0.0.1/',
    // Gateways into other networks: NAT64, 6to4 and its relay, Teredo, IPv4-compatible, site-local.
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[64:ff9b:1::a00:1]/',
    'http://[2002:7f00:1::1]/',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
    'http://[::7f00:1]/',
    'http://[fec0::1]/',
    'http://192.88.99.1/',
    'http://255.255.255.255/',
    'http://198.18.0.1/',
  ])('refuses %s', (url) => {
    expect(() => checkWebhookUrl(url, strict)).toThrow(WebhookUrlError);
  });

  it.each(['https://hooks.example.com/in', 'http://93.184.216.34/hook', 'https://[2606:4700::1111]/'])('accepts %s', (url) => {
    expect(checkWebhookUrl(url, strict).href).toBeTruthy();
  });

  it('refuses other schemes, credentials in the URL, and plain http when https is required', () => {
    expect(() => checkWebhookUrl('ftp://example.com/', strict)).toThrow(/http or https/);
    expect(() => checkWebhookUrl('https://user:pw@example.com/', strict)).toThrow(/credentials/);
    expect(() => checkWebhookUrl('http://example.com/', { ...strict, requireHttps: true })).toThrow(/https/);
    expect(() => checkWebhookUrl('not a url', strict)).toThrow(/valid URL/);
  });

  it('lets an operator allow a private range', () => {
    const policy = { allowlist: parseAllowlist('127.0.0.0/8, 10.0.0.0/8') };
    expect(() => checkWebhookUrl('http://127.0.0.1:9999/', policy)).not.toThrow();
    expect(() => checkWebhookUrl('http://localhost:9999/', policy)).not.toThrow();
    expect(() => checkWebhookUrl('http://192.168.0.1/', policy)).toThrow();
    expect(refusedAddressReason('::ffff:10.0.0.5', policy.allowlist)).toBeNull();
  });

  it('rejects a malformed allowlist at start-up', () => {
    expect(() => parseAllowlist('not-a-cidr')).toThrow(/SYNDICATE_WEBHOOK_ALLOWLIST/);
    expect(() => parseAllowlist('10.0.0.0/40')).toThrow(/prefix/);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('WebhookSender', () => {
  it('checks a literal address again at delivery: a URL stored under an older allowlist is refused, not connected to', async () => {
    const sender = new WebhookSender(strict, 1_000);
    try {
      // Port 9 (discard) on loopback: were it connected to, the error would be a refused connection instead.
      await expect(sender.send('http://127.0.0.1:9/hook', '{}', {})).rejects.toBeInstanceOf(AddressRefusedError);
      await expect(sender.send('http://[64:ff9b::7f00:1]:9/hook', '{}', {})).rejects.toThrow(/not a public unicast address/);
    } finally {
      await sender.close();
    }
  });
});
