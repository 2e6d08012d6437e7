import { z } from 'zod';

/** The BullMQ queue for the hub's work: verifying intent, fanning a change out, pushing content. */
export const WEBSUB_QUEUE = 'websub';

export const LEASE_SECONDS = { default: 10 * 24 * 3600, min: 300, max: 30 * 24 * 3600 } as const;

export const VerifyJob = z.object({
  mode: z.enum(['subscribe', 'unsubscribe']),
  topic: z.url(),
  slug: z.string(),
  format: z.enum(['rss', 'atom', 'json']),
  callback: z.url(),
  leaseSeconds: z.number().int().min(LEASE_SECONDS.min).max(LEASE_SECONDS.max),
  secret: z.string().max(199).optional(),
});
export type VerifyJob = z.infer<typeof VerifyJob>;

/** A feed changed: push it to every subscriber of any of its formats. */
export const DistributeJob = z.object({ slug: z.string() });
export type DistributeJob = z.infer<typeof DistributeJob>;

export const PushJob = z.object({ slug: z.string(), format: z.enum(['rss', 'atom', 'json']), callback: z.url() });
export type PushJob = z.infer<typeof PushJob>;

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
