import { z } from 'zod';

/** The BullMQ queue backfills wait in: the API adds jobs, the fanout runs them and reports progress. */
export const BACKFILL_QUEUE = 'backfills';

export const BackfillJob = z.object({ subscriptionId: z.string(), sinceMs: z.number().int().nonnegative() });
export type BackfillJob = z.infer<typeof BackfillJob>;

/** What a running backfill reports: records read of the range, and articles delivered to the subscription. */
export const BackfillProgress = z.object({ read: z.number(), total: z.number(), delivered: z.number() });
export type BackfillProgress = z.infer<typeof BackfillProgress>;
