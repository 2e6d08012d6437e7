import { enrichedArticle } from '@syndicate/test-support';
import { describe, expect, it } from 'vitest';
import { versionOutcome } from './version-log.js';

const at = new Date('2026-12-05T08:00:00Z');

describe('versionOutcome', () => {
  it("keeps a version's headline, embargo, topics and its most salient entities, most salient first", () => {
    const record = enrichedArticle('story', 2, { embargoUntil: '2026-12-05T09:00:00Z', headline: 'Bridge reopens' });
    record.enrichment.entities = Array.from({ length: 25 }, (_, n) => ({
      id: `e${n}`,
      name: `Name ${n}`,
      type: 'PERSON' as const,
      salience: n / 25,
      mentions: [],
      externalIds: {},
    }));
    record.enrichment.topics = [{ id: 'medtop:16000000', label: 'conflict, war and peace', score: 0.5, evidence: [] }];
    const entry = versionOutcome(record, 'held', undefined, at);
    expect(entry).toMatchObject({
      version: 2,
      type: 'article.updated',
      outcome: 'held',
      at: at.toISOString(),
      headline: 'Bridge reopens',
      embargoUntil: '2026-12-05T09:00:00Z',
      topics: [{ id: 'medtop:16000000', label: 'conflict, war and peace' }],
    });
    expect(entry.reason).toBeUndefined();
    expect(entry.entities).toHaveLength(20);
    expect(entry.entities?.[0]).toEqual({ name: 'Name 24', type: 'PERSON' });
  });

  it('keeps a withdrawal with its reason, and why a version was dropped', () => {
    const withdrawal = { type: 'article.withdrawn' as const, id: 'story', version: 3, withdrawnAt: at.toISOString(), reason: 'legal' };
    expect(versionOutcome(withdrawal, 'sent', undefined, at)).toEqual({
      version: 3,
      type: 'article.withdrawn',
      outcome: 'sent',
      at: at.toISOString(),
      withdrawnAt: at.toISOString(),
      withdrawalReason: 'legal',
    });
    expect(versionOutcome(enrichedArticle('story', 1), 'dropped', 'stale: version 1 after 2', at)).toMatchObject({
      outcome: 'dropped',
      reason: 'stale: version 1 after 2',
    });
  });
});
