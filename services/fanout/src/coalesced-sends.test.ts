import { describe, expect, it } from 'vitest';
import { CoalescedSends } from './coalesced-sends.js';

const record = (key: string) => ({ key, value: key, headers: {} });

describe('CoalescedSends', () => {
  it('sends what was asked in one turn of the event loop once per topic, in the order asked, and tells each caller where its records went', async () => {
    const sends: Array<[string, string[]]> = [];
    // A broker that writes every send's records at offsets 100, 101… of partition 0.
    const sender = new CoalescedSends({
      send: async (topic, records) => {
        sends.push([topic, records.map((r) => r.key)]);
        return records.map((_, n) => ({ topic, partition: 0, offset: String(100 + n) }));
      },
    });
    const offsets = (produced: Array<{ offset: string }>) => produced.map((p) => p.offset);
    const together = await Promise.all([
      sender.send('partner.a', [record('1')]),
      sender.send('partner.b', [record('2')]),
      sender.send('partner.a', [record('3'), record('4')]),
    ]);
    expect(together.map(offsets)).toEqual([['100'], ['100'], ['101', '102']]);
    expect(offsets(await sender.send('partner.a', [record('5')]))).toEqual(['100']);
    expect(sends).toEqual([
      ['partner.a', ['1', '3', '4']],
      ['partner.b', ['2']],
      ['partner.a', ['5']],
    ]);
  });

  it('fails every caller whose records were in a failed send, and only those', async () => {
    const sender = new CoalescedSends({
      send: async (topic, records) => {
        if (topic === 'partner.down') throw new Error('broker away');
        return records.map(() => ({ topic, partition: 0, offset: '0' }));
      },
    });
    const results = await Promise.allSettled([
      sender.send('partner.down', [record('1')]),
      sender.send('partner.up', [record('2')]),
      sender.send('partner.down', [record('3')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
  });
});
