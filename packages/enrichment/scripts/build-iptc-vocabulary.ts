/**
 * Derives the compact vocabulary the topic classifier ships with from the IPTC Media Topics file in
 * `../shared/data/iptc/cptall-en-US.json` (© IPTC, CC BY 4.0). Retired concepts are left out, so no
 * article is ever tagged with one. Run: `npm run build:vocabulary -w @syndicate/enrichment`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface RawConcept {
  qcode: string;
  prefLabel: Record<string, string>;
  definition?: Record<string, string>;
  broader?: string[];
  retired?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const source = process.argv[2] ?? join(here, '..', '..', '..', '..', 'shared', 'data', 'iptc', 'cptall-en-US.json');
const raw = JSON.parse(readFileSync(source, 'utf8')) as { dateReleased?: string; conceptSet: RawConcept[] };
const qcodeOf = (uri: string) => `medtop:${uri.split('/').pop()}`;
const concepts = raw.conceptSet
  .filter((c) => !c.retired)
  .map((c) => ({
    id: c.qcode,
    label: c.prefLabel['en-US'] ?? '',
    definition: c.definition?.['en-US'] ?? '',
    broader: c.broader?.[0] ? qcodeOf(c.broader[0]) : null,
  }));
const out = {
  attribution: 'IPTC Media Topics, (c) International Press Telecommunications Council, CC BY 4.0, https://iptc.org/standards/media-topics/',
  released: raw.dateReleased ?? null,
  concepts,
};
const target = join(here, '..', 'data', 'iptc-media-topics.json');
writeFileSync(target, `${JSON.stringify(out)}\n`);
console.log(`wrote ${concepts.length} active concepts to ${target}`);
