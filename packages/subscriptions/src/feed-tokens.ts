import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FeedSubscription } from '@syndicate/contracts';

const PREFIX = 'sha256:';

/** A partner-only feed's token: 24 random bytes, base64url. Shown once; only its hash is kept. */
export const generateFeedToken = (): string => randomBytes(24).toString('base64url');

/**
 * What is stored in place of a token. A plain SHA-256 suffices (no salt, no slow hash): the token is 192
 * random bits, so there is nothing to guess or look up.
 */
export const feedTokenHash = (token: string): string => `${PREFIX}${createHash('sha256').update(token).digest('hex')}`;

/** Whether `given` is the feed's token, comparing hashes in constant time. */
export function feedTokenMatches(feed: Pick<FeedSubscription, 'tokenHash'>, given: string | undefined): boolean {
  if (!feed.tokenHash?.startsWith(PREFIX) || !given) return false;
  const expected = Buffer.from(feed.tokenHash.slice(PREFIX.length), 'hex');
  const actual = createHash('sha256').update(given).digest();
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
