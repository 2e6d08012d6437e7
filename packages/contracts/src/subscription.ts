import { z } from 'zod';
import { ArticleEventType } from './article.js';
import { lineText } from './text.js';

/** An article matches when every field given here shares at least one value with it. */
export const SubscriptionFilter = z
  .object({
    categories: z.array(lineText(100)).max(100),
    tags: z.array(lineText(100)).max(100),
    entities: z.array(lineText(200)).max(100),
    topics: z.array(z.string().regex(/^medtop:\d{8}$/, 'must be an IPTC Media Topic qcode like medtop:16000000')).max(100),
    sources: z.array(lineText(200)).max(100),
    languages: z.array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag')).max(50),
  })
  .partial()
  .strict();
export type SubscriptionFilter = z.infer<typeof SubscriptionFilter>;

const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1-64 characters of a-z 0-9 - (not starting with -)');
const PartnerId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 characters of a-z 0-9 _ -');

/** What `POST /v1/subscriptions` accepts. */
export const SubscriptionRequest = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }).max(2048),
    eventTypes: z.array(ArticleEventType).min(1).optional(),
    filter: SubscriptionFilter.optional(),
    /** Requests in flight to this endpoint at most. */
    maxConcurrency: z.number().int().min(1).max(100).default(10),
    /** Requests per second to this endpoint at most; unlimited when absent. */
    rateLimitPerSecond: z.number().int().min(1).max(10_000).optional(),
  }),
  z.object({
    type: z.literal('feed'),
    slug: Slug.refine((s) => s !== 'all', 'the slug "all" is reserved'),
    title: z.string().min(1).max(200).optional(),
    /** `token`: a partner-only feed, readable with the token shown once at creation. */
    access: z.enum(['public', 'token']).default('public'),
    filter: SubscriptionFilter.optional(),
  }),
  z.object({
    type: z.literal('partner-queue'),
    partnerId: PartnerId,
    format: z.enum(['ninjs', 'native']).default('native'),
    filter: SubscriptionFilter.optional(),
  }),
]);
export type SubscriptionRequest = z.input<typeof SubscriptionRequest>;

const Stored = { id: z.string().min(1), createdAt: z.iso.datetime({ offset: true }) };

/**
 * A webhook secret: on the topic sealed with SYNDICATE_SECRET_KEY (`enc:v1:<key id>:…`, see Keyring); the
 * plain `whsec_…` in the memory of a registry holding the keyring, and in records written before secrets were
 * sealed (they are sealed when next written).
 */
const WebhookSecret = z.string().regex(/^(whsec_|enc:v1:)/, 'must be a whsec_ secret or one sealed with the keyring (enc:v1:)');

/** A subscription as stored on the compacted `subscriptions` topic (key = id; a null value deletes it). */
export const Subscription = z.discriminatedUnion('type', [
  SubscriptionRequest.options[0].extend({
    ...Stored,
    secret: WebhookSecret,
    /** Secrets replaced by a rotation that still sign beside the new one until they expire. */
    previousSecrets: z.array(z.object({ secret: WebhookSecret, expiresAt: z.iso.datetime({ offset: true }) })).default([]),
    /** Paused by its owner: deliveries wait in the endpoint's queue until it is resumed. */
    paused: z.boolean().default(false),
    /** Disabled by us (410 Gone, or failing for too long): no new deliveries until re-enabled. */
    disabled: z.object({ at: z.iso.datetime({ offset: true }), reason: z.string() }).optional(),
  }),
  SubscriptionRequest.options[1].extend({
    ...Stored,
    /**
     * For partner-only feeds: the SHA-256 of the token, never the token itself, which is shown once (at
     * creation or rotation). Records from before hashing held `token`; the registry hashes it on reading.
     */
    tokenHash: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/)
      .optional(),
  }),
  SubscriptionRequest.options[2].extend(Stored),
]);
export type Subscription = z.infer<typeof Subscription>;
export type WebhookSubscription = Extract<Subscription, { type: 'webhook' }>;
export type FeedSubscription = Extract<Subscription, { type: 'feed' }>;
export type PartnerQueueSubscription = Extract<Subscription, { type: 'partner-queue' }>;
