import { Keyring } from '@syndicate/config';
import type { Subscription } from '@syndicate/contracts';
import { feedTokenHash } from './feed-tokens.js';

/** Binds a sealed webhook secret to its subscription: it does not open in another record. */
const secretContext = (id: string) => `subscription:${id}:webhook-secret`;

/**
 * The record to write on the `subscriptions` topic: a webhook's secrets (current and previous) sealed with the
 * keyring's first key, a feed's token only as its hash. Secrets already sealed (by a process that could not
 * open them) are written as they are.
 */
export function sealSubscription(subscription: Subscription, keyring: Keyring): Subscription {
  switch (subscription.type) {
    case 'webhook': {
      const seal = (secret: string) => (Keyring.isSealed(secret) ? secret : keyring.seal(secret, secretContext(subscription.id)));
      return {
        ...subscription,
        secret: seal(subscription.secret),
        previousSecrets: subscription.previousSecrets.map((p) => ({ ...p, secret: seal(p.secret) })),
      };
    }
    case 'feed': {
      // A plain token must never reach the topic, even from a caller that slipped one in.
      const { token, ...rest } = subscription as typeof subscription & { token?: unknown };
      return typeof token === 'string' && !rest.tokenHash ? { ...rest, tokenHash: feedTokenHash(token) } : rest;
    }
    case 'partner-queue':
      return subscription;
  }
}

/**
 * A record read from the topic, before validation: with a keyring, its webhook secrets opened; a plain
 * `token` of an older feed record replaced by its hash. Without a keyring (a process that never signs),
 * sealed secrets stay sealed. Throws KeyringError when a secret does not open (a key missing from the ring).
 */
export function openSubscription(record: unknown, keyring: Keyring | undefined): unknown {
  if (typeof record !== 'object' || record === null) return record;
  const r = record as Record<string, unknown>;
  if (r.type === 'webhook' && keyring && typeof r.id === 'string') {
    const context = secretContext(r.id);
    const open = (secret: unknown) => (typeof secret === 'string' && Keyring.isSealed(secret) ? keyring.open(secret, context) : secret);
    return {
      ...r,
      secret: open(r.secret),
      ...(Array.isArray(r.previousSecrets)
        ? {
            previousSecrets: r.previousSecrets.map((p: unknown) =>
              typeof p === 'object' && p ? { ...p, secret: open((p as { secret?: unknown }).secret) } : p,
            ),
          }
        : {}),
    };
  }
  if (r.type === 'feed' && typeof r.token === 'string') {
    const { token, ...rest } = r;
    return { ...rest, tokenHash: rest.tokenHash ?? feedTokenHash(token) };
  }
  return record;
}

/** How a stored record keeps its secrets: for operators retiring an old key or checking nothing is plain. */
export function secretsAtRest(record: unknown): Array<'plain' | `key:${string}`> {
  if (typeof record !== 'object' || record === null) return [];
  const r = record as { type?: unknown; secret?: unknown; previousSecrets?: unknown; token?: unknown };
  const secrets =
    r.type === 'webhook'
      ? [r.secret, ...(Array.isArray(r.previousSecrets) ? r.previousSecrets.map((p: { secret?: unknown }) => p?.secret) : [])]
      : r.type === 'feed' && r.token !== undefined
        ? [r.token]
        : [];
  return secrets
    .filter((s): s is string => typeof s === 'string')
    .map((s) => (Keyring.isSealed(s) ? (`key:${Keyring.keyIdOf(s)}` as const) : 'plain'));
}
