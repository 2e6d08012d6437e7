import { Keyring, KeyringError } from '@syndicate/config';
import { Subscription, type WebhookSubscription } from '@syndicate/contracts';
import { describe, expect, it } from 'vitest';
import { feedTokenHash, feedTokenMatches } from './feed-tokens.js';
import { openSubscription, sealSubscription, secretsAtRest } from './sealed-records.js';

const keyring = Keyring.parse(Keyring.generateEntry('k1'));
const webhook: WebhookSubscription = {
  id: 'sub_w',
  type: 'webhook',
  url: 'https://example.com/hook',
  maxConcurrency: 10,
  secret: 'whsec_bmV3IHNlY3JldCBuZXcgc2VjcmV0IG5ldyBzZWNyZXQh',
  previousSecrets: [{ secret: 'whsec_b2xkIHNlY3JldCBvbGQgc2VjcmV0IG9sZCBzZWNyZXQh', expiresAt: '2030-01-01T00:00:00.000Z' }],
  paused: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const roundTrip = (record: unknown, ring: Keyring | undefined) =>
  Subscription.parse(openSubscription(JSON.parse(JSON.stringify(record)), ring));

describe('subscription records at rest', () => {
  it('seals every webhook secret, and opens them again with the keyring', () => {
    const sealed = sealSubscription(webhook, keyring);
    const text = JSON.stringify(sealed);
    expect(text).not.toContain(webhook.secret);
    expect(text).not.toContain(webhook.previousSecrets[0]!.secret);
    expect(secretsAtRest(sealed)).toEqual(['key:k1', 'key:k1']);
    expect(roundTrip(sealed, keyring)).toEqual(webhook);
  });

  it('leaves sealed secrets sealed without a keyring (a process that never signs)', () => {
    const read = roundTrip(sealSubscription(webhook, keyring), undefined) as WebhookSubscription;
    expect(read.secret).toMatch(/^enc:v1:k1:/);
  });

  it('reads plain secrets written before sealing, and seals them when written again', () => {
    expect(secretsAtRest(webhook)).toEqual(['plain', 'plain']);
    expect(roundTrip(webhook, keyring)).toEqual(webhook);
    expect(secretsAtRest(sealSubscription(roundTrip(webhook, keyring), keyring))).toEqual(['key:k1', 'key:k1']);
  });

  it('does not open a secret copied from another subscription', () => {
    const other = sealSubscription({ ...webhook, id: 'sub_other' }, keyring) as WebhookSubscription;
    const forged = { ...sealSubscription(webhook, keyring), secret: other.secret };
    expect(() => openSubscription(forged, keyring)).toThrow(KeyringError);
  });

  it('keeps a feed token only as its hash, and hashes the plain token of an older record on reading', () => {
    const legacy = {
      id: 'sub_f',
      type: 'feed',
      slug: 'partners',
      access: 'token',
      token: 'a-partner-token-of-old-0123456789',
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const read = roundTrip(legacy, keyring);
    expect(read).toMatchObject({ tokenHash: feedTokenHash(legacy.token) });
    expect(JSON.stringify(read)).not.toContain(legacy.token);
    expect(feedTokenMatches(read as { tokenHash?: string }, legacy.token)).toBe(true);
    expect(feedTokenMatches(read as { tokenHash?: string }, `${legacy.token}x`)).toBe(false);
    expect(feedTokenMatches({}, legacy.token)).toBe(false);
    expect(JSON.stringify(sealSubscription(legacy as Subscription, keyring))).not.toContain(legacy.token);
  });
});
