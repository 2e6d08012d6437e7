import type { EnrichedRecord, Entity } from '@syndicate/contracts';
import { paragraphsToHtml, topicUri } from '@syndicate/feeds';

/** The stable ninjs `uri` of an article: the same for every version, so partners update instead of adding. */
export const ninjsUri = (articleId: string) => `urn:syndicate:article:${articleId}`;

const percent = (score: number) => Math.max(0, Math.min(100, Math.round(score * 100)));

/** The outside URI of an entity: its GeoNames place (the semantic-web URI GeoNames gives), else its Wikidata item. */
function entityUri(e: Entity): string | undefined {
  if (e.externalIds.geonames) return `https://sws.geonames.org/${e.externalIds.geonames}/`;
  if (e.externalIds.wikidata) return `http://www.wikidata.org/entity/${e.externalIds.wikidata}`;
  return undefined;
}

function entityRefs(entities: Entity[], type: Entity['type']) {
  return entities
    .filter((e) => e.type === type)
    .map((e) => {
      const uri = entityUri(e);
      return {
        name: e.name,
        rel: 'mentioned',
        literal: e.id,
        ...(uri ? { uri } : {}),
        // ninjs 2.2 names a place's GeoJSON `geojson` (3.x: `geoJSON`); GeoJSON points are [longitude, latitude].
        ...(e.geo ? { geojson: { type: 'Point', coordinates: [e.geo.longitude, e.geo.latitude] } } : {}),
      };
    });
}

/**
 * An enriched record as IPTC ninjs 2.2 (valid against ninjs-schema_2.2.json). ninjs 2.x names the fields
 * `headlines`, `bodies` and `by` (1.x had `headline`, `body_text` and `byline`). An embargoed article is
 * `withheld` until `embargoed`; a withdrawal is `canceled` with only its identity and version.
 */
export function toNinjs(record: EnrichedRecord, now = new Date()) {
  if (record.type === 'article.withdrawn') {
    return {
      uri: ninjsUri(record.id),
      type: 'text',
      version: String(record.version),
      versioncreated: record.withdrawnAt,
      pubstatus: 'canceled',
      ...(record.reason ? { ednote: `Withdrawn: ${record.reason}` } : {}),
    };
  }
  const { article, enrichment } = record;
  const uri = ninjsUri(article.id);
  const embargoed = article.embargoUntil && Date.parse(article.embargoUntil) > now.getTime();
  return {
    uri,
    type: 'text',
    representationtype: 'full',
    profile: 'syndicate-article',
    version: String(article.version),
    firstcreated: article.publishedAt,
    versioncreated: article.updatedAt ?? article.publishedAt,
    ...(article.embargoUntil ? { embargoed: article.embargoUntil } : {}),
    pubstatus: embargoed ? 'withheld' : 'usable',
    language: article.language,
    headlines: [{ role: 'main', value: article.headline }],
    descriptions: [{ role: 'summary', value: article.standfirst ?? enrichment.summary }],
    bodies: [
      { role: 'main', contenttype: 'text/plain', wordcount: enrichment.wordCount, value: article.body.join('\n\n') },
      { role: 'main', contenttype: 'text/html', value: paragraphsToHtml(article.body) },
    ],
    ...(article.authors.length > 0 ? { by: article.authors.map((a) => a.name).join(', ') } : {}),
    ...(article.usageTerms ? { usageterms: article.usageTerms } : {}),
    copyrightholder: article.source,
    subjects: [
      ...enrichment.topics.map((t) => ({
        name: t.label,
        rel: 'about',
        uri: topicUri(t.id),
        literal: t.id,
        relevance: percent(t.score),
        creator: 'syndicate',
      })),
      ...article.categories.map((c) => ({ name: c, rel: 'category' })),
      ...article.tags.map((t) => ({ name: t, rel: 'tag' })),
    ],
    people: entityRefs(enrichment.entities, 'PERSON'),
    organisations: entityRefs(enrichment.entities, 'ORGANIZATION'),
    places: entityRefs(enrichment.entities, 'LOCATION'),
    associations: article.images.map((image, i) => ({
      name: `image${i + 1}`,
      uri: `${uri}:image:${i + 1}`,
      type: 'picture',
      descriptions: [{ role: 'caption', value: image.caption }],
      ...(image.credit ? { by: image.credit } : {}),
      ...(image.url ? { renditions: [{ name: 'original', href: image.url }] } : {}),
    })),
    altids: [{ role: 'syndicate', value: article.id }, ...(article.url ? [{ role: 'url', value: article.url }] : [])],
  };
}
