import type { Subscription } from '@syndicate/contracts';
import { describe, expect, it } from 'vitest';
import { planBatch } from './batch-plan.js';
import { batchJob, webhookEndpoint } from './testing.js';

const webhook = webhookEndpoint;
const batch = (ids: string[]) => batchJob(ids, { type: 'article.updated' });
const registry = (...subscriptions: Subscription[]) => {
  const byId = new Map(subscriptions.map((s) => [s.id, s]));
  return (id: string) => byId.get(id);
};

const ids = (plan: ReturnType<typeof planBatch>) => ({
  attempt: plan.attempt.map((a) => a.endpoint.id),
  handOver: plan.handOver.map((d) => d.subscriptionId),
});

describe('planBatch', () => {
  it('gives each known, enabled, unlimited endpoint a first attempt, carrying the batch’s article and body', () => {
    const plan = planBatch(batch(['a', 'b']), { endpointOf: registry(webhook('a'), webhook('b')), requireHttps: false, room: 10 });
    expect(ids(plan)).toEqual({ attempt: ['a', 'b'], handOver: [] });
    expect(plan.attempt[1]?.delivery).toEqual({
      subscriptionId: 'b',
      messageId: 'msg_b',
      type: 'article.updated',
      articleId: 'a1',
      version: 3,
      body: '{"type":"article.updated"}',
    });
  });

  it('hands over endpoints not known yet, paused, disabled, rate-limited, or on http when https is required', () => {
    const endpointOf = registry(
      webhook('fine'),
      webhook('paused', { paused: true }),
      webhook('disabled', { disabled: { at: '2026-01-01T00:00:00Z', reason: '410' } }),
      webhook('limited', { rateLimitPerSecond: 5 }),
      webhook('plain', { url: 'http://plain.example/in' }),
      {
        id: 'feed',
        type: 'feed',
        slug: 'feed',
        title: 'Feed',
        filter: {},
        access: 'public',
        createdAt: '2026-01-01T00:00:00Z',
      } as Subscription,
    );
    const plan = planBatch(batch(['fine', 'unknown', 'paused', 'disabled', 'limited', 'plain', 'feed']), {
      endpointOf,
      requireHttps: true,
      room: 10,
    });
    expect(ids(plan)).toEqual({ attempt: ['fine'], handOver: ['unknown', 'paused', 'disabled', 'limited', 'plain', 'feed'] });
    expect(ids(planBatch(batch(['plain']), { endpointOf, requireHttps: false, room: 10 }))).toEqual({ attempt: ['plain'], handOver: [] });
  });

  it('attempts no more than the room left in this process, handing the rest over', () => {
    const endpointOf = registry(webhook('a'), webhook('b'), webhook('c'));
    expect(ids(planBatch(batch(['a', 'b', 'c']), { endpointOf, requireHttps: false, room: 2 }))).toEqual({
      attempt: ['a', 'b'],
      handOver: ['c'],
    });
    expect(ids(planBatch(batch(['a', 'b']), { endpointOf, requireHttps: false, room: -3 }))).toEqual({ attempt: [], handOver: ['a', 'b'] });
  });
});
