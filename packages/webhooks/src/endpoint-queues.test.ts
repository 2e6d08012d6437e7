import { describe, expect, it } from 'vitest';
import { type EndpointQueue, EndpointQueues } from './endpoint-queues.js';
import { RETRY_SCHEDULE, type WebhookJob } from './jobs.js';

const delivery = (subscriptionId: string, messageId = `msg_${subscriptionId}`): WebhookJob => ({
  subscriptionId,
  messageId,
  type: 'article.published',
  articleId: 'a1',
  version: 2,
  body: '{}',
});

/** Endpoint queues over fake BullMQ queues that note every call. */
function harness() {
  const calls: string[] = [];
  const added: Array<{ queue: string; name: string; data: WebhookJob; options: unknown }> = [];
  const tracked: unknown[] = [];
  const queues = new EndpointQueues({
    tracker: { track: async (...args) => void tracked.push(args) },
    queues: {
      get: (name) => {
        calls.push(`get ${name}`);
        const queue = {
          name,
          add: async (jobName: string, data: WebhookJob, options: unknown) =>
            void added.push({ queue: name, name: jobName, data, options }),
          remove: async (id: string) => {
            calls.push(`remove ${name} ${id}`);
            return 1;
          },
          setGlobalConcurrency: async (n: number) => void calls.push(`concurrency ${name} ${n}`),
        };
        return queue as unknown as EndpointQueue;
      },
    },
  });
  return { queues, calls, added, tracked };
}

describe('EndpointQueues', () => {
  it('hands a delivery over as a job whose id is its webhook-id, with its attempts and delay, and tracks it per article version', async () => {
    const { queues, added, tracked } = harness();
    await queues.handOver({ delivery: delivery('e1'), attempts: 4, delayMs: 1_500 });
    expect(added).toEqual([
      {
        queue: 'webhooks.e1',
        name: 'article.published',
        data: delivery('e1'),
        options: expect.objectContaining({ jobId: 'msg_e1', attempts: 4, delay: 1_500, backoff: { type: RETRY_SCHEDULE } }),
      },
    ]);
    expect(tracked).toEqual([['a1', 2, [{ queueName: 'webhooks.e1', jobId: 'msg_e1' }]]]);
  });

  it('takes back a guard job and sets the global concurrency on the endpoint’s own queue', async () => {
    const { queues, calls } = harness();
    await queues.takeBack('e1', 'msg_e1');
    await queues.setConcurrency('e2', 3);
    expect(calls).toEqual(['get webhooks.e1', 'remove webhooks.e1 msg_e1', 'get webhooks.e2', 'concurrency webhooks.e2 3']);
  });
});
