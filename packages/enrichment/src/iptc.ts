import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface IptcConcept {
  id: string;
  label: string;
  definition: string;
  broader: string | null;
}

/**
 * The active IPTC Media Topics shipped with this package (retired ones left out), with the hierarchy.
 * Loaded once per process; resolved through the package, so it is found from a bundled service too.
 */
export class IptcVocabulary {
  readonly concepts: IptcConcept[];
  private readonly byId: Map<string, IptcConcept>;

  constructor(path = createRequire(import.meta.url).resolve('@syndicate/enrichment/data/iptc-media-topics.json')) {
    this.concepts = (JSON.parse(readFileSync(path, 'utf8')) as { concepts: IptcConcept[] }).concepts;
    this.byId = new Map(this.concepts.map((c) => [c.id, c]));
  }

  get(id: string): IptcConcept | undefined {
    return this.byId.get(id);
  }

  /** The broader topics of a topic, nearest first, up to its top-level ancestor. */
  broader(id: string): string[] {
    const chain: string[] = [];
    for (let c = this.byId.get(id)?.broader; c; c = this.byId.get(c)?.broader) chain.push(c);
    return chain;
  }
}

let shared: IptcVocabulary | undefined;
/** The process-wide vocabulary, loaded on first use. */
export const iptcVocabulary = () => {
  shared ??= new IptcVocabulary();
  return shared;
};
