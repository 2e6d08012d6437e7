import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchDelivery, type BatchDeliveryOptions } from './batch-delivery.js';
import type { AttemptOutcome, AttemptResult } from './endpoint-caller.js';
import type { HandOver } from './settle.js';
import { batchJob, webhookEndpoint } from './testing.js';

const PATIENCE_MS = 200;
const SLOW_AFTER_MS = 2_000;
const SLOW_MARK_MS = 60_000;
const GUARD_DELAY_MS = 50_000;

const webhook = (id: string) => webhookEndpoint(id);
const batch = (ids: string[], attempts = 5) => batchJob(ids, { attempts });
const outcome = (endpointId: string, result: AttemptResult): AttemptOutcome => ({
  result,
  record: { endpointId, attempt: { at: '', messageId: `msg_${endpointId}`, attempt: 1, status: null, latencyMs: 0, ok: false } },
});

/**
 * A batch step over fakes that note what was done to them. Endpoints named in `answers` answer at once;
 * the others hang until `answer(id, result)`. `full` endpoints get no slot; `known` are in the registry.
 */
function harness(
  setup: { known: string[]; answers?: Record<string, AttemptResult>; full?: string[] },
  fields: Partial<BatchDeliveryOptions> = {},
) {
  const pending = new Map<string, (outcome: AttemptOutcome) => void>();
  const seen = {
    attempts: [] as string[],
    recorded: [] as string[][],
    released: [] as Array<{ token: string; endpointIds: string[] }>,
    handOvers: [] as HandOver[],
    takenBack: [] as string[],
    slow: [] as Array<{ endpointId: string; forMs: number }>,
  };
  const options: BatchDeliveryOptions = {
    endpointOf: (id) => (setup.known.includes(id) ? webhook(id) : undefined),
    versions: { version: async () => 3 },
    slots: {
      takeForBatch: async (requests) => ({ token: 'lease', granted: requests.map((r) => !setup.full?.includes(r.id)) }),
      release: async (token, endpointIds) => void seen.released.push({ token, endpointIds }),
      markSlow: async (endpointId, forMs) => void seen.slow.push({ endpointId, forMs }),
    },
    caller: {
      attempt: (endpoint, _delivery, _body, attempt) => {
        expect(attempt).toBe(1);
        seen.attempts.push(endpoint.id);
        const answer = setup.answers?.[endpoint.id];
        if (answer) return Promise.resolve(outcome(endpoint.id, answer));
        return new Promise((resolve) => pending.set(endpoint.id, resolve));
      },
    },
    attemptLog: { record: async (records) => void seen.recorded.push(records.map((r) => r.endpointId)) },
    queues: {
      handOver: async (handOver) => void seen.handOvers.push(handOver),
      takeBack: async (endpointId, messageId) => void seen.takenBack.push(`${endpointId} ${messageId}`),
    },
    retry: { delayMs: (attemptsMade, retryAfterMs) => retryAfterMs ?? attemptsMade * 1_000 },
    logger: { warn: () => undefined, error: () => undefined },
    requireHttps: false,
    maxInFlight: 100,
    patienceMs: PATIENCE_MS,
    slowAfterMs: SLOW_AFTER_MS,
    slowMarkMs: SLOW_MARK_MS,
    guardDelayMs: GUARD_DELAY_MS,
    ...fields,
  };
  const answer = async (id: string, result: AttemptResult) => {
    pending.get(id)?.(outcome(id, result));
    await vi.advanceTimersByTimeAsync(0); // lets the attempt's own settling run
  };
  return { step: new BatchDelivery(options), seen, answer };
}

/** Which endpoints were handed over, and how: `id attempts[+delay][ dead: reason]`. */
const handedOver = (handOvers: HandOver[]) =>
  handOvers.map(
    (h) =>
      `${h.delivery.subscriptionId} ${h.attempts}${h.delayMs === undefined ? '' : `+${h.delayMs}`}${h.delivery.deadLetter ? ` dead: ${h.delivery.deadLetter}` : ''}`,
  );

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('BatchDelivery.deliver', () => {
  it('attempts every endpoint at once, logs the answers in one call, gives the slots back in one, and settles each', async () => {
    const { step, seen } = harness({
      known: ['ok', 'failing', 'gone'],
      answers: {
        ok: { kind: 'delivered', status: 204 },
        failing: { kind: 'failed', reason: 'HTTP 503', retryAfterMs: 30_000 },
        gone: { kind: 'dead', reason: '410 Gone' },
      },
    });
    expect(await step.deliver(batch(['ok', 'failing', 'gone']))).toEqual({ delivered: 1, handedOver: 0 });
    expect(seen.attempts).toEqual(['ok', 'failing', 'gone']);
    expect(seen.recorded).toEqual([['ok', 'failing', 'gone']]);
    expect(seen.released).toEqual([{ token: 'lease', endpointIds: ['ok', 'failing', 'gone'] }]);
    expect(handedOver(seen.handOvers)).toEqual(['failing 4+30000', 'gone 1 dead: 410 Gone']);
    expect(seen.handOvers[0]?.delivery.attemptsBefore).toBe(1);
    expect(step.firstAttemptsInFlight).toBe(0);
  });

  it('hands the endpoints it cannot attempt now over to their queues, with every attempt the batch gives', async () => {
    const { step, seen } = harness({ known: ['ok', 'full'], answers: { ok: { kind: 'delivered', status: 200 } }, full: ['full'] });
    expect(await step.deliver(batch(['unknown', 'ok', 'full'], 3))).toEqual({ delivered: 1, handedOver: 2 });
    expect(seen.attempts).toEqual(['ok']);
    expect(handedOver(seen.handOvers)).toEqual(['unknown 3', 'full 3']);
    expect(step.firstAttemptsInFlight).toBe(0);
  });

  it('does nothing for a batch whose article has a newer version stored', async () => {
    const { step, seen } = harness({ known: ['ok'] }, { versions: { version: async () => 4 } });
    expect(await step.deliver(batch(['ok']))).toEqual({ delivered: 0, handedOver: 0, superseded: 4 });
    expect(seen.attempts).toEqual([]);
    expect(seen.handOvers).toEqual([]);
  });

  it('starts no more first attempts than maxInFlight across batches: the rest go to their queues until attempts end', async () => {
    const { step, seen, answer } = harness({ known: ['a', 'b', 'c', 'd'] }, { maxInFlight: 2 });
    const first = step.deliver(batch(['a', 'b', 'c']));
    await vi.advanceTimersByTimeAsync(PATIENCE_MS);
    expect(await first).toEqual({ delivered: 0, handedOver: 3 }); // c, and the guard jobs of a and b
    expect(seen.attempts).toEqual(['a', 'b']);
    expect(step.firstAttemptsInFlight).toBe(2);

    // a and b still hang: a batch now attempts nothing.
    expect(await step.deliver(batch(['d']))).toEqual({ delivered: 0, handedOver: 1 });
    expect(seen.attempts).toEqual(['a', 'b']);

    await answer('a', { kind: 'delivered', status: 204 });
    expect(step.firstAttemptsInFlight).toBe(1);
    const third = step.deliver(batch(['d']));
    await vi.advanceTimersByTimeAsync(PATIENCE_MS);
    await third;
    expect(seen.attempts).toEqual(['a', 'b', 'd']);
  });

  it('gives back the room it reserved when slots cannot be taken', async () => {
    const { step } = harness(
      { known: ['a'] },
      {
        slots: {
          takeForBatch: () => Promise.reject(new Error('redis down')),
          release: async () => undefined,
          markSlow: async () => undefined,
        },
      },
    );
    await expect(step.deliver(batch(['a']))).rejects.toThrow('redis down');
    expect(step.firstAttemptsInFlight).toBe(0);
  });

  it('waits patienceMs for an attempt, then leaves it in the background behind a guard job, which it takes back once answered', async () => {
    const { step, seen, answer } = harness({ known: ['late', 'quick'], answers: { quick: { kind: 'delivered', status: 204 } } });
    const delivering = step.deliver(batch(['late', 'quick']));
    await vi.advanceTimersByTimeAsync(PATIENCE_MS - 1);
    let done = false;
    void delivering.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false); // still within its patience
    await vi.advanceTimersByTimeAsync(1);
    expect(await delivering).toEqual({ delivered: 1, handedOver: 1 });
    expect(handedOver(seen.handOvers)).toEqual([`late 5+${GUARD_DELAY_MS}`]); // the guard: due after the longest an attempt takes
    expect(seen.recorded).toEqual([['quick']]);
    expect(seen.released).toEqual([{ token: 'lease', endpointIds: ['quick'] }]);
    expect(seen.takenBack).toEqual([]);

    // Answered later (a failure): logged, its slot given back, its guard taken back and a retry handed over.
    await answer('late', { kind: 'failed', reason: 'HTTP 500' });
    expect(seen.recorded).toEqual([['quick'], ['late']]);
    expect(seen.released).toEqual([
      { token: 'lease', endpointIds: ['quick'] },
      { token: 'lease', endpointIds: ['late'] },
    ]);
    expect(seen.takenBack).toEqual(['late msg_late']);
    expect(handedOver(seen.handOvers)).toEqual([`late 5+${GUARD_DELAY_MS}`, 'late 4+1000']);
  });

  it('marks an endpoint slow whose attempt is still running at slowAfterMs, and not one answered before', async () => {
    const { step, seen, answer } = harness({ known: ['hanging', 'late'] });
    const delivering = step.deliver(batch(['hanging', 'late']));
    await vi.advanceTimersByTimeAsync(PATIENCE_MS);
    await delivering;
    await answer('late', { kind: 'delivered', status: 204 });
    await vi.advanceTimersByTimeAsync(SLOW_AFTER_MS - PATIENCE_MS - 1);
    expect(seen.slow).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen.slow).toEqual([{ endpointId: 'hanging', forMs: SLOW_MARK_MS }]);
  });

  it('drains: resolves once the attempts left in the background have ended', async () => {
    const { step, answer } = harness({ known: ['late'] });
    const delivering = step.deliver(batch(['late']));
    await vi.advanceTimersByTimeAsync(PATIENCE_MS);
    await delivering;
    let drained = false;
    void step.drain().then(() => {
      drained = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    await answer('late', { kind: 'delivered', status: 204 });
    expect(drained).toBe(true);
    expect(step.firstAttemptsInFlight).toBe(0);
  });
});
