/**
 * The fanout's decisions on plain data: no Kafka, no Redis. What the integration and end-to-end tests see as
 * effects (a stale version dropped, one batch job per event, one partner message per partner and format, the
 * feeds an article goes into, what a backfill sends) is decided here.
 */
import {
  EmbargoBreachError,
  type EnrichedArticle,
  type EnrichedRecord,
  type Subscription,
  type WebhookSubscription,
} from '@syndicate/contracts';
import { webhookBatchJobId, webhookMessageId } from '@syndicate/webhooks';
import { describe, expect, it } from 'vitest';
import {
  backfillFor,
  feedsFor,
  heldBackBecause,
  matchedOn,
  partnerMessages,
  staleBecause,
  webhookBatchJob,
  webhookEndpoints,
} from './fanout-steps.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const createdAt = NOW.toISOString();

/** An enriched article of our own making; `article` overrides any field of it. */
function article(id: string, version: number, fields: Partial<EnrichedArticle['article']> = {}): EnrichedArticle {
  return {
    type: version === 1 ? 'article.published' : 'article.updated',
    article: {
      id,
      version,
      headline: `${id} v${version}`,
      body: [`Text of ${id}.`],
      authors: [],
      categories: ['World'],
      tags: [],
      images: [],
      language: 'en',
      publishedAt: createdAt,
      source: 'test',
      ...fields,
    },
    enrichment: { entities: [], topics: [], language: 'en', wordCount: 3, summary: `${id}`, engine: 'test' },
    enrichedAt: createdAt,
  };
}
const withdrawal = (id: string, version: number): EnrichedRecord => ({ type: 'article.withdrawn', id, version, withdrawnAt: createdAt });

const hook = (id: string, extra: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id,
  type: 'webhook',
  url: `https://example.com/${id}`,
  secret: 'whsec_c2VjcmV0',
  previousSecrets: [],
  maxConcurrency: 10,
  paused: false,
  createdAt,
  ...extra,
});
const feed = (slug: string, access: 'public' | 'token' = 'public'): Subscription => ({
  id: `feed-${slug}`,
  type: 'feed',
  slug,
  access,
  createdAt,
});
const partner = (partnerId: string, format: 'ninjs' | 'native', id = `${partnerId}-${format}`): Subscription => ({
  id,
  type: 'partner-queue',
  partnerId,
  format,
  createdAt,
});

describe('staleBecause: the version check against the feed store', () => {
  it('lets a newer version through, and anything when nothing is stored', () => {
    expect(staleBecause(article('a', 1), null)).toBeUndefined();
    expect(staleBecause(article('a', 3), { version: 2 })).toBeUndefined();
    expect(staleBecause(withdrawal('a', 3), { version: 2 })).toBeUndefined();
  });

  it('drops an older version, and the same version again (a redelivery), saying why', () => {
    expect(staleBecause(article('a', 2), { version: 3 })).toBe('version 2 is not newer than stored version 3');
    expect(staleBecause(article('a', 3), { version: 3 })).toBe('version 3 is not newer than stored version 3');
    expect(staleBecause(withdrawal('a', 2), { version: 3 })).toBe('version 2 is not newer than stored version 3');
  });

  it("lets the stored version's own withdrawal through: it is what withdraws it", () => {
    expect(staleBecause(withdrawal('a', 3), { version: 3 })).toBeUndefined();
  });
});

describe('heldBackBecause: the embargo hold', () => {
  it('drops a version not newer than the one held, and nothing when none is held', () => {
    expect(heldBackBecause(2, 2)).toBe('version 2 is not newer than embargoed version 2');
    expect(heldBackBecause(1, 2)).toBe('version 1 is not newer than embargoed version 2');
    expect(heldBackBecause(3, 2)).toBeUndefined();
    expect(heldBackBecause(1, null)).toBeUndefined();
  });
});

describe('matchedOn', () => {
  const stored = { version: 1, withdrawn: false, record: article('a', 1, { categories: ['Sport'] }) };

  it('matches an article by its own content, not by what was stored', () => {
    const update = article('a', 2);
    expect(matchedOn(update, stored)).toBe(update);
  });

  it('matches a withdrawal by what the article last was, and by nothing if it never went out or was withdrawn', () => {
    expect(matchedOn(withdrawal('a', 2), stored)).toBe(stored.record);
    expect(matchedOn(withdrawal('a', 2), null)).toBeNull();
    expect(matchedOn(withdrawal('a', 3), { version: 2, withdrawn: true, record: null })).toBeNull();
  });
});

describe('webhookEndpoints', () => {
  it('keeps the enabled webhooks that take the event type, nothing else', () => {
    const subscribers = [
      hook('all-events'),
      hook('updates-only', { eventTypes: ['article.updated'] }),
      hook('gone', { disabled: { at: createdAt, reason: '410 Gone' } }),
      feed('world'),
      partner('acme', 'ninjs'),
    ];
    expect(webhookEndpoints('article.published', subscribers).map((s) => s.id)).toEqual(['all-events']);
    expect(webhookEndpoints('article.updated', subscribers).map((s) => s.id)).toEqual(['all-events', 'updates-only']);
  });
});

describe('webhookBatchJob', () => {
  it('is one job for all the endpoints of an event: the article and its enrichment as the body, a message id per endpoint', () => {
    const record = article('a', 2);
    const { jobId, data } = webhookBatchJob(record, [hook('h1'), hook('h2')], 8, NOW);
    expect(jobId).toBe(webhookBatchJobId({ articleId: 'a', version: 2, type: 'article.updated', endpointIds: ['h1', 'h2'] }));
    expect(data).toMatchObject({ type: 'article.updated', articleId: 'a', version: 2, attempts: 8 });
    expect(data.endpoints).toEqual(
      ['h1', 'h2'].map((id) => ({
        subscriptionId: id,
        messageId: webhookMessageId({ endpointId: id, articleId: 'a', version: 2, type: 'article.updated' }),
      })),
    );
    expect(JSON.parse(data.body)).toEqual({
      type: 'article.updated',
      timestamp: NOW.toISOString(),
      data: { ...record.article, enrichment: record.enrichment },
    });
    // The stage times ride with the batch (not in the body) for the attempt log's success entry.
    expect(data.times).toEqual({ publishedAt: record.eventTime, enrichedAt: record.enrichedAt, fannedOutAt: NOW.toISOString() });
  });

  it('has the same id whatever the order of the endpoints (a redo adds nothing), another for another event or version', () => {
    const id = (record: EnrichedRecord, endpoints: string[]) =>
      webhookBatchJob(
        record,
        endpoints.map((e) => hook(e)),
        8,
        NOW,
      ).jobId;
    expect(id(article('a', 2), ['h2', 'h1'])).toBe(id(article('a', 2), ['h1', 'h2']));
    expect(id(article('a', 3), ['h1'])).not.toBe(id(article('a', 2), ['h1']));
    expect(id(withdrawal('a', 2), ['h1'])).not.toBe(id(article('a', 2), ['h1']));
  });

  it('sends a withdrawal as itself', () => {
    const kill = withdrawal('a', 3);
    expect(JSON.parse(webhookBatchJob(kill, [hook('h1')], 8, NOW).data.body).data).toEqual(kill);
  });

  it('refuses an article under embargo', () => {
    const embargoed = article('a', 1, { embargoUntil: new Date(Date.now() + 3_600_000).toISOString() });
    expect(() => webhookBatchJob(embargoed, [hook('h1')], 8, NOW)).toThrow(EmbargoBreachError);
  });
});

describe('partnerMessages', () => {
  const topicOf = (partnerId: string) => `partner.${partnerId}`;

  it('gives one message per partner and format, keyed by article id, on the partner’s topic', () => {
    const subscribers = [
      partner('acme', 'ninjs'),
      partner('acme', 'ninjs', 'acme-again'),
      partner('acme', 'native'),
      partner('bolt', 'native'),
      hook('h1'),
    ];
    const messages = partnerMessages(article('a', 2), subscribers, topicOf, NOW);
    expect(messages.map((m) => `${m.topic} ${m.format}`)).toEqual(['partner.acme ninjs', 'partner.acme native', 'partner.bolt native']);
    for (const { message, format } of messages) {
      expect(message.key).toBe('a');
      expect(message.headers).toMatchObject({ ce_type: 'article.updated', 'syndicate-format': format, 'syndicate-version': '2' });
    }
  });

  it('gives nothing without partners, even for an article under embargo; refuses one with partners', () => {
    const embargoed = article('a', 1, { embargoUntil: new Date(Date.now() + 3_600_000).toISOString() });
    expect(partnerMessages(embargoed, [hook('h1'), feed('world')], topicOf)).toEqual([]);
    expect(() => partnerMessages(embargoed, [partner('acme', 'ninjs')], topicOf)).toThrow(EmbargoBreachError);
  });
});

describe('feedsFor', () => {
  it('puts an article into the feeds it matches and `all`, but not into `all` when only partner-only feeds match', () => {
    expect(feedsFor([])).toEqual([[], { inAll: true }]);
    expect(feedsFor([feed('world'), hook('h1')])).toEqual([['world'], { inAll: true }]);
    expect(feedsFor([feed('world'), feed('exclusive', 'token')])).toEqual([['world', 'exclusive'], { inAll: true }]);
    expect(feedsFor([feed('exclusive', 'token')])).toEqual([['exclusive'], { inAll: false }]);
  });
});

describe('backfillFor', () => {
  it('sends the live articles the subscription’s filter accepts, in order, and none under embargo', () => {
    const sport = { ...feed('sport'), filter: { categories: ['Sport'] } };
    const records = [
      article('a', 1, { categories: ['Sport'] }),
      article('b', 1, { categories: ['World'] }),
      withdrawal('c', 2),
      article('d', 4, { categories: ['Sport'], embargoUntil: new Date(NOW.getTime() + 1).toISOString() }),
      article('e', 2, { categories: ['Sport'], embargoUntil: NOW.toISOString() }), // its embargo ends now: released
    ];
    expect(backfillFor(records, sport, undefined, NOW.getTime()).map((r) => `${r.article.id}@${r.article.version}`)).toEqual([
      'a@1',
      'e@2',
    ]);
    expect(backfillFor(records, feed('everything'), undefined, NOW.getTime()).map((r) => r.article.id)).toEqual(['a', 'b', 'e']);
  });
});
