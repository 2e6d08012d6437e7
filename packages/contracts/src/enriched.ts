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

/** A populated place as GeoNames describes it (WGS 84 degrees). */
export const GeoPlace = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  /** ISO 3166-1 alpha-2 code of the country the place is in. */
  country: z.string().regex(/^[A-Z]{2}$/),
  /** GeoNames first-level division code within the country (`TX` for Texas, `12` for Kyiv city); absent when unknown. */
  admin1: z.string().optional(),
  /** Inhabitants as GeoNames counts them; absent when unknown. */
  population: z.number().int().nonnegative().optional(),
  /** GeoNames feature code: `PPLC` a capital, `PPLA` a first-level seat, `PPL` another populated place… */
  featureCode: z.string().optional(),
});
export type GeoPlace = z.infer<typeof GeoPlace>;

export const Entity = z.object({
  /** Stable, URL-safe slug such as `person/volodymyr-zelenskyy`. */
  id: z.string(),
  name: z.string(),
  type: EntityType,
  mentions: z.array(Mention),
  /** 0..1: how central the entity is to the article (headline, lead, frequency). */
  salience: z.number().min(0).max(1),
  /**
   * Identifiers in outside schemes, e.g. `{ iso3166: 'UA', wikidata: 'Q212' }`; a place linked to GeoNames has
   * `geonames` (`'703448'` for Kyiv, https://sws.geonames.org/703448/).
   */
  externalIds: z.record(z.string(), z.string()).default({}),
  /** Where a place is, for places linked to GeoNames (see `externalIds.geonames`). Absent otherwise. */
  geo: GeoPlace.optional(),
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
    /** The CloudEvent `time` of the article event enriched (when it was written to article-events), for stage latencies. */
    eventTime: z.iso.datetime({ offset: true }).optional(),
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
