import { type ArticleEventType, underEmbargo } from '@syndicate/contracts';
import { FeedStore, type PartnerOffset, PartnerOffsetLog, VersionLog, type VersionOutcome } from '@syndicate/feed-store';
import { matchesFilter } from '@syndicate/subscriptions';
import { type Attempt, webhookMessageId } from '@syndicate/webhooks';
import type { ApiDeps } from '../deps.js';

const EVENT_TYPES: ArticleEventType[] = ['article.published', 'article.updated', 'article.withdrawn'];

/** One webhook delivery of one version (one `webhook-id`): its queue state, if it has a job, and its attempts. */
export interface JourneyDelivery {
  version: number;
  type: ArticleEventType;
  messageId: string;
  /** The job's state on the endpoint's own queue (waiting, delayed, failed = dead letter…), or null: none there. */
  queued: string | null;
  attempts: Array<Pick<Attempt, 'at' | 'attempt' | 'status' | 'latencyMs' | 'ok' | 'error'>>;
}

/** Where one story went, assembled from the stores that already hold each part of it. */
export interface Journey {
  id: string;
  /** The last version the API numbered (0: never published here). */
  latestVersion: number;
  /**
   * Every event of the story the fanout took, oldest first, with that version's headline, embargo and enrichment
   * and what became of it (sent, held for embargo, released, dropped); the last 100, for a week.
   */
  versions: VersionOutcome[];
  /** The version the feed store holds (the newest sent), with its enrichment. */
  stored: {
    version: number;
    withdrawn: boolean;
    headline: string | null;
    embargoUntil: string | null;
    underEmbargo: boolean;
    entities: Array<{ name: string; type: string; salience: number }>;
    topics: Array<{ id: string; label: string; score: number }>;
  } | null;
  feeds: string[];
  webhooks: Array<{ endpointId: string; url: string; paused: boolean; disabled: boolean; deliveries: JourneyDelivery[] }>;
  /** Partner queues whose filter takes the stored version. */
  partners: Array<{ subscriptionId: string; partnerId: string; topic: string }>;
  /**
   * Every message the fanout wrote to a partner topic for this story, by version (oldest first): the partition and
   * offset the broker gave it. Kept a week, the last 200.
   */
  partnerMessages: PartnerOffset[];
}

/** Builds a story's journey on request; every part is read from where the pipeline already keeps it. */
export class JourneyReader {
  private readonly feedStore: FeedStore;
  private readonly partnerOffsets: PartnerOffsetLog;
  private readonly versionLog: VersionLog;

  constructor(private readonly deps: ApiDeps) {
    this.feedStore = new FeedStore({ redis: deps.redis, keyPrefix: deps.config.REDIS_KEY_PREFIX });
    this.partnerOffsets = new PartnerOffsetLog(deps.redis, deps.config.REDIS_KEY_PREFIX);
    this.versionLog = new VersionLog(deps.redis, deps.config.REDIS_KEY_PREFIX);
  }

  /** An article id as given, or the newest article in the `all` feed whose headline contains the words. */
  async resolve(query: string): Promise<string | null> {
    const trimmed = query.trim();
    if (trimmed === '') return null;
    if ((await this.deps.versions.latest(trimmed)) > 0 || (await this.feedStore.version(trimmed)) !== null) return trimmed;
    const needle = trimmed.toLowerCase();
    const items = await this.feedStore.list('all', 500);
    return items.find((item) => item.article.headline.toLowerCase().includes(needle))?.article.id ?? null;
  }

  async read(id: string): Promise<Journey> {
    const [latestVersion, stored, feeds, partnerOffsets, outcomes] = await Promise.all([
      this.deps.versions.latest(id),
      this.feedStore.get(id),
      this.feedStore.feedsOf(id),
      this.partnerOffsets.list(id),
      this.versionLog.list(id),
    ]);
    const record = stored?.record ?? null;
    const versions = Math.max(latestVersion, stored?.version ?? 0);
    const webhooks = await Promise.all(
      this.deps.registry.ofType('webhook').map(async (endpoint) => {
        const attempts = await this.deps.attempts.list(endpoint.id, 100);
        const queue = this.deps.webhookQueue(endpoint.id);
        const deliveries: JourneyDelivery[] = [];
        for (let version = 1; version <= versions; version++) {
          for (const type of EVENT_TYPES) {
            const messageId = webhookMessageId({ endpointId: endpoint.id, articleId: id, version, type });
            const mine = attempts.filter((a) => a.messageId === messageId);
            const state = await queue.getJobState(messageId);
            const queued = state === 'unknown' ? null : state;
            if (mine.length === 0 && queued === null) continue;
            deliveries.push({
              version,
              type,
              messageId,
              queued,
              attempts: mine.map(({ at, attempt, status, latencyMs, ok, error }) => ({
                at,
                attempt,
                status,
                latencyMs,
                ok,
                ...(error ? { error } : {}),
              })),
            });
          }
        }
        return {
          endpointId: endpoint.id,
          url: endpoint.url,
          paused: endpoint.paused === true,
          disabled: Boolean(endpoint.disabled),
          deliveries,
        };
      }),
    );
    const partners = record
      ? this.deps.registry
          .ofType('partner-queue')
          .filter((p) => matchesFilter(p.filter, record))
          .map((p) => ({ subscriptionId: p.id, partnerId: p.partnerId, topic: this.deps.topics.partner(p.partnerId) }))
      : [];
    return {
      id,
      latestVersion,
      // The logs are newest first; the page reads a story from its first version on.
      versions: outcomes.reverse(),
      stored: stored
        ? {
            version: stored.version,
            withdrawn: stored.withdrawn,
            headline: record?.article.headline ?? null,
            embargoUntil: record?.article.embargoUntil ?? null,
            underEmbargo: record ? underEmbargo(record.article) : false,
            entities: (record?.enrichment.entities ?? []).map(({ name, type, salience }) => ({ name, type, salience })),
            topics: (record?.enrichment.topics ?? []).map(({ id: topicId, label, score }) => ({ id: topicId, label, score })),
          }
        : null,
      feeds,
      webhooks,
      partners,
      partnerMessages: partnerOffsets.reverse(),
    };
  }
}
