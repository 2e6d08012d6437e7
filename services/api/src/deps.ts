import type { Keyring } from '@syndicate/config';
import type { TopicNames } from '@syndicate/contracts';
import type { FeedCache } from '@syndicate/feed-store';
import type { FeedDocuments } from '@syndicate/feeds';
import type { KeyedProducer, PartitionLag, TopicReadBatch } from '@syndicate/kafka-runtime';
import type { Counter, Readiness, Registry } from '@syndicate/observability';
import type { Queue, Redis } from '@syndicate/redis-runtime';
import type { SubscriptionRegistry, SubscriptionWriter } from '@syndicate/subscriptions';
import type { AttemptLog, UrlPolicy } from '@syndicate/webhooks';
import type { SubscriberStore } from '@syndicate/websub';
import type { ArticleVersions } from './article-versions.js';
import type { ApiConfig } from './config.js';
import type { SharedRateLimiter } from './rate-limiter.js';

/** Everything the routes use, passed in by `ApiService` (or a test). */
export interface ApiDeps {
  config: ApiConfig;
  /** How partners reach this API; feed links are built on it. */
  publicBaseUrl: () => string;
  topics: TopicNames;
  producer: KeyedProducer;
  versions: ArticleVersions;
  registry: SubscriptionRegistry;
  subscriptions: SubscriptionWriter;
  feedDocuments: FeedDocuments;
  feedCache: FeedCache;
  /** Per-client request counts across API processes (public routes and feeds). */
  rateLimiter: SharedRateLimiter;
  /** The delivery queue of one webhook endpoint (retries, hand-overs, dead letters). */
  webhookQueue: (endpointId: string) => Queue;
  /** Article events' webhook batches (first attempts). */
  webhookBatchQueue: Queue;
  attempts: AttemptLog;
  websubQueue: Queue;
  /** The hub's content pushes (shown on the ops board). */
  websubPushQueue: Queue;
  /** Verified WebSub subscriptions, for the hub's bounds. */
  hubSubscribers: SubscriberStore;
  /** Seals webhook secrets on the subscriptions topic and hub.secret in WebSub jobs. */
  keyring: Keyring;
  backfillQueue: Queue;
  redis: Redis;
  urlPolicy: UrlPolicy;
  /** For WebSub callbacks: SYNDICATE_WEBSUB_ALLOWLIST, not the webhooks' allowlist. */
  websubUrlPolicy: UrlPolicy;
  metrics: Registry;
  articlesAccepted: Counter;
  /** Control characters removed from submitted article text (a stray vertical tab from a CMS, say). */
  controlCharsRemoved: Counter;
  /** Kafka and Redis, checked in the background (`isDown` is what fails requests fast). */
  readiness: Readiness;
  /** The readiness checks, as the readiness reads them at every run. */
  checkKafka: () => Promise<void>;
  checkRedis: () => Promise<void>;
  deadLetterCounts: () => Promise<Record<string, number>>;
  /** Reads a topic to its end through a throwaway group (kafka-runtime's readTopicToEnd): the console's dead-letter topics. */
  readTopicToEnd: (topic: string, onBatch: (batch: TopicReadBatch) => void) => Promise<unknown>;
  /** A topic's low and high watermarks per partition (the console's partner queues). */
  topicWatermarks: (topic: string) => Promise<Array<{ partition: number; low: number; high: number }>>;
  /** Lag per partition of the CONSOLE_CONSUMER_GROUPS on the pipeline's topics, for the console. */
  consumerLag: () => Promise<PartitionLag[]>;
}
