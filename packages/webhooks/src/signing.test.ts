import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, signWebhook, webhookMessageId } from './signing.js';

describe('Standard Webhooks signing', () => {
  it('produces signatures that the reference `standardwebhooks` package verifies', () => {
    const secret = generateSecret();
    const body = JSON.stringify({
      type: 'article.published',
      timestamp: '2026-01-01T00:00:00Z',
      data: { id: 'a', text: 'ünïcödé ]]> <tag>' },
    });
    const id = 'msg_123';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, id, timestamp, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'article.published' });
  });

  it('is refused by the reference verifier when the body changes', () => {
    const secret = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, 'msg_1', timestamp, '{"a":1}'),
    };
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow();
  });

  it('makes secrets of at least 24 random bytes with the whsec_ prefix', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(generateSecret()).not.toBe(secret);
  });

  it('gives every retry of one delivery the same webhook-id and anything else another', () => {
    const parts = { endpointId: 'sub_1', articleId: 'a1', version: 2, type: 'article.updated' };
    expect(webhookMessageId(parts)).toBe(webhookMessageId({ ...parts }));
    expect(webhookMessageId({ ...parts, version: 3 })).not.toBe(webhookMessageId(parts));
    expect(webhookMessageId({ ...parts, endpointId: 'sub_2' })).not.toBe(webhookMessageId(parts));
  });
});
