import { createHash } from 'node:crypto';
import type { Keyring } from '@syndicate/config';
import { z } from 'zod';

/**
 * The hub's queues, named in redis-runtime's catalogue: one for its own work (verifying intent, fanning a change
 * out), one for content pushes to subscribers, with a worker (and HTTP agent) of its own so that however many
 * subscribers a feed has, pushing to them never takes webhook deliveries' turn.
 */
export { WEBSUB_PUSH_QUEUE, WEBSUB_QUEUE } from '@syndicate/redis-runtime';

export const LEASE_SECONDS = { default: 10 * 24 * 3600, min: 300, max: 30 * 24 * 3600 } as const;

const Format = z.enum(['rss', 'atom', 'json']);

/** What a subscriber asked for, as the API checked it. */
export interface VerifyRequest {
  mode: 'subscribe' | 'unsubscribe';
  /** The topic URL as given: the verification echoes it, and for partner-only feeds it carries the token. */
  topic: string;
  slug: string;
  format: z.infer<typeof Format>;
  callback: string;
  leaseSeconds: number;
  secret?: string;
  /** The feed subscription the topic belongs to (none for `all`). */
  feedId?: string;
  /** For partner-only feeds: the hash of the token the subscriber gave (not the token). */
  feedTokenHash?: string;
}

/**
 * A verification as queued. bull-board shows job data, so the topic URL (which may carry a partner token)
 * and hub.secret travel sealed with the keyring; the rest is plain, for operators.
 */
export const VerifyJob = z.object({
  mode: z.enum(['subscribe', 'unsubscribe']),
  slug: z.string(),
  format: Format,
  callback: z.url(),
  leaseSeconds: z.number().int().min(LEASE_SECONDS.min).max(LEASE_SECONDS.max),
  feedId: z.string().optional(),
  feedTokenHash: z.string().optional(),
  sealed: z.string().startsWith('enc:v1:'),
});
export type VerifyJob = z.infer<typeof VerifyJob>;

const verifyContext = (job: Pick<VerifyJob, 'mode' | 'slug' | 'format' | 'callback'>) =>
  `websub-verify:${job.mode}:${job.slug}:${job.format}:${job.callback}`;

/**
 * The verification job for a request. Requests alike in mode, topic and callback are one verification while
 * it waits or runs (BullMQ de-duplication by an id derived from them, hashed so no token shows): a thousand
 * identical requests make one job and one request to the callback. Once it ends, the next request is
 * verified afresh.
 */
export function verifyJob(request: VerifyRequest, keyring: Keyring) {
  const { topic, secret, ...visible } = request;
  const data: VerifyJob = {
    ...visible,
    sealed: keyring.seal(JSON.stringify({ topic, ...(secret ? { secret } : {}) }), verifyContext(visible)),
  };
  const id = createHash('sha256').update(`${request.mode}\n${topic}\n${request.callback}`).digest('hex').slice(0, 32);
  return {
    name: 'verify' as const,
    data,
    opts: {
      deduplication: { id: `verify-${id}` },
      attempts: 3,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600 },
    },
  };
}

/** A verification job's request, with the topic and secret opened. */
export function openVerifyJob(job: VerifyJob, keyring: Keyring): VerifyRequest {
  const { sealed, ...visible } = job;
  const { topic, secret } = JSON.parse(keyring.open(sealed, verifyContext(job))) as { topic: string; secret?: string };
  return { ...visible, topic, ...(secret ? { secret } : {}) };
}

/** A feed changed: push it to every subscriber of any of its formats. */
export const DistributeJob = z.object({ slug: z.string() });
export type DistributeJob = z.infer<typeof DistributeJob>;

/**
 * One push to one subscriber. `document` names the rendering its distribution made once for all the topic's
 * subscribers (see RenderedDocuments); without it (queued before there were any) the push renders its own.
 */
export const PushJob = z.object({
  slug: z.string(),
  format: Format,
  callback: z.url(),
  document: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type PushJob = z.infer<typeof PushJob>;

export const pushJobOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 5_000, jitter: 0.2 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export type WebSubJob = ({ name: 'verify' } & VerifyJob) | ({ name: 'distribute' } & DistributeJob) | ({ name: 'push' } & PushJob);

/**
 * Changes within one second are pushed once: the job for a second runs after that second is over, so it
 * sees all of them, and its id makes further adds in that second no-ops.
 */
export function distributeJob(slug: string, now = Date.now()) {
  const second = Math.floor(now / 1_000);
  return {
    name: 'distribute' as const,
    data: { slug },
    opts: {
      jobId: `distribute:${slug}:${second}`,
      delay: (second + 1) * 1_000 - now,
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600 },
    },
  };
}
