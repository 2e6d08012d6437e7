/**
 * The fanout's decisions, apart from the Redis and Kafka calls that act on them (docs/architecture.md, "Fan
 * out"): version check → match → webhook batch job → partner messages → feed store update, and what a backfill
 * sends. Each takes and returns plain data, so each is tested alone (fanout-steps.test.ts).
 */
import {
  EmbargoBreachError,
  type EnrichedArticle,
  type EnrichedRecord,
  type Subscription,
  underEmbargo,
  type WebhookSubscription,
} from '@syndicate/contracts';
import { type PartnerFormat, partnerMessage } from '@syndicate/partner-formats';
import { articleKeys, type BroaderOf, filterAccepts } from '@syndicate/subscriptions';
import { type WebhookBatchJob, webhookBatchJobId, webhookBody, webhookMessageId } from '@syndicate/webhooks';

export const recordId = (record: EnrichedRecord) => (record.type === 'article.withdrawn' ? record.id : record.article.id);
export const recordVersion = (record: EnrichedRecord) => (record.type === 'article.withdrawn' ? record.version : record.article.version);

/** What the feed store holds of an article (`FeedStore.get`): its latest version, and the article unless withdrawn. */
export interface StoredArticle {
  version: number;
  withdrawn: boolean;
  record: EnrichedArticle | null;
}

/**
 * Why a record comes too late for the version the feed store holds, or undefined when it is newer: a stale
 * event never overwrites a newer one. The withdrawal of the stored version itself goes through: it is what
 * withdraws it.
 */
export function staleBecause(record: EnrichedRecord, stored: Pick<StoredArticle, 'version'> | null): string | undefined {
  const version = recordVersion(record);
  if (!stored || stored.version < version || (stored.version === version && record.type === 'article.withdrawn')) return undefined;
  return `version ${version} is not newer than stored version ${stored.version}`;
}

/** Why a version yields to the embargoed version held for its article (`held`, null when none), or undefined. */
export function heldBackBecause(version: number, held: number | null): string | undefined {
  return held !== null && held >= version ? `version ${version} is not newer than embargoed version ${held}` : undefined;
}

/**
 * What the subscriptions are matched against: an article by its own content; a withdrawal by what the article
 * last was where it went out (so the kill reaches whoever it reached), and nothing when it never went out.
 */
export function matchedOn(record: EnrichedRecord, stored: StoredArticle | null): EnrichedArticle | null {
  if (record.type !== 'article.withdrawn') return record;
  return stored && !stored.withdrawn ? stored.record : null;
}

/** The webhook endpoints an event goes to: those enabled among the matched that take its type. */
export function webhookEndpoints(type: EnrichedRecord['type'], subscribers: Subscription[]): WebhookSubscription[] {
  return subscribers.filter(
    (s): s is WebhookSubscription => s.type === 'webhook' && !s.disabled && (!s.eventTypes || s.eventTypes.includes(type)),
  );
}

/**
 * The one webhook batch job of an article event for all its endpoints: its payload, and an id that is the same
 * for the same event to the same endpoints, so enqueuing it again (a message redone after a crash) adds nothing.
 */
export function webhookBatchJob(
  record: EnrichedRecord,
  endpoints: WebhookSubscription[],
  attempts: number,
  now = new Date(),
): { jobId: string; data: WebhookBatchJob } {
  refuseEmbargoed(record, 'webhooks');
  const articleId = recordId(record);
  const version = recordVersion(record);
  const data = record.type === 'article.withdrawn' ? record : { ...record.article, enrichment: record.enrichment };
  return {
    jobId: webhookBatchJobId({ articleId, version, type: record.type, endpointIds: endpoints.map((e) => e.id) }),
    data: {
      type: record.type,
      articleId,
      version,
      body: webhookBody(record.type, data, now),
      attempts,
      endpoints: endpoints.map((endpoint) => ({
        subscriptionId: endpoint.id,
        messageId: webhookMessageId({ endpointId: endpoint.id, articleId, version, type: record.type }),
      })),
      // The stages so far, for the stage latencies the attempt log keeps with a success.
      times: {
        ...(record.type !== 'article.withdrawn' ? { publishedAt: record.eventTime, enrichedAt: record.enrichedAt } : {}),
        fannedOutAt: now.toISOString(),
      },
    },
  };
}

/**
 * One message per partner and format among the matched (two subscriptions of a partner in one format get one),
 * keyed by article id, in that format, with the topic it goes to.
 */
export function partnerMessages(
  record: EnrichedRecord,
  subscribers: Subscription[],
  topicOf: (partnerId: string) => string,
  now = new Date(),
): Array<{ topic: string; partnerId: string; format: PartnerFormat; message: ReturnType<typeof partnerMessage> }> {
  const targets = new Map<string, { partnerId: string; format: PartnerFormat }>();
  for (const s of subscribers)
    if (s.type === 'partner-queue') targets.set(`${s.partnerId}\n${s.format}`, { partnerId: s.partnerId, format: s.format });
  if (targets.size > 0) refuseEmbargoed(record, 'partner queues');
  return [...targets.values()].map(({ partnerId, format }) => ({
    topic: topicOf(partnerId),
    partnerId,
    format,
    message: partnerMessage(record, format, now),
  }));
}

/**
 * The feeds an article goes into: those it matches and `all`, unless only partner-only feeds match it:
 * an exclusive for partners must not be readable in the public `all` feed or its WebSub topic.
 */
export function feedsFor(subscribers: Subscription[]): [string[], { inAll: boolean }] {
  const feeds = subscribers.filter((s) => s.type === 'feed');
  const partnerOnly = feeds.length > 0 && feeds.every((f) => f.access === 'token');
  return [feeds.map((f) => f.slug), { inAll: !partnerOnly }];
}

/**
 * What a backfill of one subscription sends of the records read: the live articles its filter accepts, in
 * their order. Those still under embargo are left out: live fan-out releases them at their time to every
 * subscriber they match then, this one included.
 */
export function backfillFor(
  records: EnrichedRecord[],
  subscription: Subscription,
  broaderOf?: BroaderOf,
  now = Date.now(),
): EnrichedArticle[] {
  return records.filter(
    (record): record is EnrichedArticle =>
      record.type !== 'article.withdrawn' &&
      filterAccepts(subscription.filter, articleKeys(record, broaderOf)) &&
      !underEmbargo(record.article, now),
  );
}

/** The last line of defence: every exit checks the embargo itself, whatever path led there. */
export function refuseEmbargoed(record: EnrichedRecord, exit: string) {
  if (record.type !== 'article.withdrawn' && underEmbargo(record.article))
    throw new EmbargoBreachError(record.article.id, exit, record.article.embargoUntil);
}
