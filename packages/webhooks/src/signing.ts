import { createHash, createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: 32 random bytes, base64, with the Standard Webhooks prefix. */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * `webhook-signature` per Standard Webhooks v1: base64 HMAC-SHA256 over "id.timestamp.body", keyed with the
 * base64-decoded secret. The body may be given as its UTF-8 bytes (a batch encodes its body once for all
 * its endpoints).
 */
export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${messageId}.${timestampSeconds}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

// Keys by secret, decoded and imported once: every delivery signs, and an endpoint's secret changes rarely.
const decodedKeys = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = decodedKeys.get(secret);
  if (!key) {
    if (!secret.startsWith(SECRET_PREFIX)) throw new Error('webhook secrets start with whsec_');
    key = createSecretKey(Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64'));
    if (decodedKeys.size >= 10_000) decodedKeys.clear(); // bounded: rotated secrets fall out
    decodedKeys.set(secret, key);
  }
  return key;
}

/**
 * The whole `webhook-signature` header: one `v1,` signature per live secret, space-separated, so receivers
 * holding either the new or the old secret during a rotation both verify.
 */
export function signatureHeader(secrets: string[], messageId: string, timestampSeconds: number, body: string | Buffer): string {
  return secrets.map((secret) => signWebhook(secret, messageId, timestampSeconds, body)).join(' ');
}

/**
 * The `webhook-id`: the same for every attempt of one (endpoint, article, version, event), so a receiver can
 * drop duplicates, and different for anything else.
 */
export function webhookMessageId(parts: { endpointId: string; articleId: string; version: number; type: string }): string {
  const digest = createHash('sha256').update(`${parts.endpointId}\n${parts.articleId}\n${parts.version}\n${parts.type}`).digest('hex');
  return `msg_${digest.slice(0, 32)}`;
}
