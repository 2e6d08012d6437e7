import { createHmac } from 'node:crypto';

/** `X-Hub-Signature` (WebSub 8.1): HMAC-SHA256 of the exact body, keyed with the subscriber's secret. */
export function hubSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
