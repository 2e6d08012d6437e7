import type { Subscription } from '@syndicate/contracts';

/**
 * What the delivery steps need from the rest of the process, as narrow as they use it: the service passes
 * the real things (a pino logger, the subscription registry, the feed store), unit tests small fakes.
 */

/** The log lines a step writes (a pino logger fits). */
export interface DeliveryLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The endpoint a delivery is for, as this process's subscription registry knows it now. */
export type EndpointLookup = (subscriptionId: string) => Subscription | undefined;

/** The newest stored version of each article, withdrawals included (the feed store). */
export interface ArticleVersions {
  version(articleId: string): Promise<number | null>;
}

/**
 * The stored version when it is newer than this delivery's, else null. Never an older version after a
 * newer one: a batch or job the fanout could not take off its queue in time (it was being sent, or
 * retrying) is dropped once a newer version or a withdrawal is stored.
 */
export async function newerVersion(versions: ArticleVersions, { articleId, version }: { articleId: string; version: number }) {
  const stored = await versions.version(articleId);
  return stored !== null && stored > version ? stored : null;
}
