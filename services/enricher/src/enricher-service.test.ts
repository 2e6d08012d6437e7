import { parseConfig } from '@syndicate/config';
import type { ArticleEvent } from '@syndicate/contracts';
import type { KeyedProducer } from '@syndicate/kafka-runtime';
import { createLogger } from '@syndicate/observability';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EnricherConfig } from './config.js';
import { EnricherService } from './enricher-service.js';

const article = (id: string) => ({
  id,
  version: 1,
  headline: `Council in Leeds approves ${id}`,
  body: ['The council in Leeds approved the plan on Monday.'],
  authors: [],
  categories: [],
  tags: [],
  images: [],
  language: 'en',
  publishedAt: new Date().toISOString(),
  source: 'test',
});

describe('EnricherService', () => {
  let service: EnricherService;
  // The constructor loads the models (tagger, place index, topic classifier): 2.5 s on this 2-core machine,
  // past vitest's 5 s under load. Constructed only: nothing connects.
  beforeAll(() => {
    service = new EnricherService(parseConfig(EnricherConfig, {}), createLogger('test', 'silent'));
  }, 60_000);

  it("writes a batch's enriched records in one send, in the order of the events", async () => {
    // Private parts, reached by a cast to check the batching alone.
    const { producer, handleMany } = service as unknown as {
      producer: KeyedProducer;
      handleMany: (events: ArticleEvent[]) => Promise<Array<{ kind: string }>>;
    };
    const send = vi.spyOn(producer, 'send').mockResolvedValue([]);
    const events: ArticleEvent[] = [
      { type: 'article.published', data: article('a') },
      { type: 'article.withdrawn', data: { id: 'b', version: 2, withdrawnAt: new Date().toISOString() } },
      { type: 'article.updated', data: { ...article('c'), version: 2 } },
    ];
    const results = await handleMany.call(service, events);
    expect(results.map((r) => r.kind)).toEqual(['ok', 'ok', 'ok']);
    expect(send).toHaveBeenCalledTimes(1);
    const [, records] = send.mock.calls[0] ?? [];
    expect(records?.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    const first = JSON.parse(String(records?.[0]?.value)) as { enrichment: { entities: Array<{ name: string }> } };
    expect(first.enrichment.entities.map((e) => e.name)).toContain('Leeds');
  });
});
