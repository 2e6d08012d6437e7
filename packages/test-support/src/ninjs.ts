import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * A validator for IPTC ninjs 2.2, compiled from the schema in shared/ (MIT): the same file partners validate
 * against. The schema refers to GeoJSON for `places[].geojson`; we never send that field, so an open object
 * stands in for the GeoJSON schema, which this machine cannot fetch.
 */
export function ninjsValidator() {
  const schemaPath = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'standards', 'ninjs', 'ninjs-schema_2.2.json');
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'https://geojson.org/schema/GeoJSON.json', type: 'object' });
  return ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
}
