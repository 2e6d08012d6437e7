import { parseConfig } from '@syndicate/config';
import type { Enricher } from '@syndicate/enrichment';
import { createLogger } from '@syndicate/observability';
import { describe, expect, it } from 'vitest';
import { EnricherConfig } from './config.js';
import { EnricherService } from './enricher-service.js';

describe('EnricherConfig', () => {
  it('bounds the characters read per article: 100,000 unless ENRICH_MAX_CHARS says otherwise', () => {
    expect(parseConfig(EnricherConfig, {}).ENRICH_MAX_CHARS).toBe(100_000);
    expect(parseConfig(EnricherConfig, { ENRICH_MAX_CHARS: '250000' }).ENRICH_MAX_CHARS).toBe(250_000);
    expect(() => parseConfig(EnricherConfig, { ENRICH_MAX_CHARS: '0' })).toThrow(/ENRICH_MAX_CHARS/);
  });

  // The service loads the models as it is constructed: 2.5 s on this 2-core machine, past vitest's 5 s under load.
  it('is what the service enriches with (constructed only: nothing connects before start)', { timeout: 60_000 }, () => {
    const service = new EnricherService(parseConfig(EnricherConfig, { ENRICH_MAX_CHARS: '5000' }), createLogger('test', 'silent'));
    // The enricher is private to the service; the cast reads it to check the wiring, nothing more.
    expect((service as unknown as { enricher: Enricher }).enricher.maxChars).toBe(5_000);
  });
});
