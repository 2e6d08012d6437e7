import { z } from 'zod';

/** A backfill's job (on redis-runtime's BACKFILL_QUEUE): the API adds it, the fanout runs it and reports progress. */
export const BackfillJob = z.object({ subscriptionId: z.string(), sinceMs: z.number().int().nonnegative() });
export type BackfillJob = z.infer<typeof BackfillJob>;

/** What a running backfill reports: records read of the range, and articles delivered to the subscription. */
export const BackfillProgress = z.object({ read: z.number(), total: z.number(), delivered: z.number() });
export type BackfillProgress = z.infer<typeof BackfillProgress>;
