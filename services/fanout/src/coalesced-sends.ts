import type { KeyedProducer, ProducedRecord } from '@syndicate/kafka-runtime';

type Records = Parameters<KeyedProducer['send']>[1];
/** A caller's records are `count` from `from` in its topic's combined send. */
interface Waiter {
  from: number;
  count: number;
  resolve: (produced: ProducedRecord[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the sends made while one batch of articles is fanned out into one producer send per topic: a send
 * waits for the end of the current turn of the event loop (setImmediate), by when the other articles of the
 * batch, whose Redis answers came in the same read, have made theirs. Each caller's promise settles with the
 * send that carried its records, so a caller still learns that its records are on the broker before it goes on,
 * and where each of them was written.
 */
export class CoalescedSends {
  private pending = new Map<string, { records: Records; waiters: Waiter[] }>();
  private scheduled = false;

  constructor(private readonly producer: Pick<KeyedProducer, 'send'>) {}

  send(topic: string, records: Records): Promise<ProducedRecord[]> {
    return new Promise((resolve, reject) => {
      let entry = this.pending.get(topic);
      if (!entry) {
        entry = { records: [], waiters: [] };
        this.pending.set(topic, entry);
      }
      entry.waiters.push({ from: entry.records.length, count: records.length, resolve, reject });
      entry.records.push(...records);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush() {
    const batches = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const [topic, { records, waiters }] of batches) {
      this.producer.send(topic, records).then(
        (produced) => {
          for (const w of waiters) w.resolve(produced.slice(w.from, w.from + w.count));
        },
        (error: unknown) => {
          for (const w of waiters) w.reject(error);
        },
      );
    }
  }
}
