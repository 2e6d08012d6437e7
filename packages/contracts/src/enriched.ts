import { z } from 'zod';
import { ArticleData, ArticleId, ArticleVersion } from './article.js';

export const ENTITY_TYPES = ['PERSON', 'ORGANIZATION', 'LOCATION', 'NORP', 'EVENT', 'MISC'] as const;
export const EntityType = z.enum(ENTITY_TYPES);

/** A span in the article's text (see `articleText`): JavaScript string offsets, end exclusive. */
export const Mention = z.object({
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  text: z.string(),
});

export const Entity = z.object({
  /** Stable, URL-safe slug such as `person/volodymyr-zelenskyy`. */
  id: z.string(),
  name: z.string(),
  type: EntityType,
  mentions: z.array(Mention),
  /** 0..1: how central the entity is to the article (headline, lead, frequency). */
  salience: z.number().min(0).max(1),
  /** Identifiers in outside schemes, e.g. `{ iso3166: 'UA', wikidata: 'Q212' }`. */
  externalIds: z.record(z.string(), z.string()).default({}),
});
export type Entity = z.infer<typeof Entity>;

export const Topic = z.object({
  /** IPTC Media Topic qcode, e.g. `medtop:16000000`. */
  id: z.string().regex(/^medtop:\d{8}$/),
  label: z.string(),
  score: z.number().min(0).max(1),
  /** The terms and entities the score rests on. */
  evidence: z.array(z.string()),
});
export type Topic = z.infer<typeof Topic>;

export const Enrichment = z.object({
  entities: z.array(Entity),
  topics: z.array(Topic),
  language: z.string(),
  wordCount: z.number().int().nonnegative(),
  summary: z.string(),
  engine: z.string(),
  /**
   * Set when the article is longer than the enricher reads (its ENRICH_MAX_CHARS): entities and topics come
   * from the text before this offset only; `wordCount` and `summary` cover the whole article. Absent otherwise.
   */
  truncatedAt: z.number().int().nonnegative().optional(),
});
export type Enrichment = z.infer<typeof Enrichment>;

/** A record on `article-enriched` (key = article id; the topic is compacted, so the latest version wins). */
export const EnrichedRecord = z.discriminatedUnion('type', [
  z.object({
    type: z.enum(['article.published', 'article.updated']),
    article: ArticleData,
    enrichment: Enrichment,
    enrichedAt: z.iso.datetime({ offset: true }),
  }),
  z.object({
    type: z.literal('article.withdrawn'),
    id: ArticleId,
    version: ArticleVersion,
    withdrawnAt: z.iso.datetime({ offset: true }),
    reason: z.string().optional(),
  }),
]);
export type EnrichedRecord = z.infer<typeof EnrichedRecord>;
export type EnrichedArticle = Extract<EnrichedRecord, { article: unknown }>;
