import { describe, expect, it } from 'vitest';
import { CoalescedSends } from './coalesced-sends.js';

const record = (key: string) => ({ key, value: key, headers: {} });

describe('CoalescedSends', () => {
  it('sends what was asked in one turn of the event loop once per topic, in the order asked', async () => {
    const sends: Array<[string, string[]]> = [];
    const sender = new CoalescedSends({
      send: async (topic, records) => {
        sends.push([topic, records.map((r) => r.key)]);
      },
    });
    await Promise.all([
      sender.send('partner.a', [record('1')]),
      sender.send('partner.b', [record('2')]),
      sender.send('partner.a', [record('3'), record('4')]),
    ]);
    await sender.send('partner.a', [record('5')]);
    expect(sends).toEqual([
      ['partner.a', ['1', '3', '4']],
      ['partner.b', ['2']],
      ['partner.a', ['5']],
    ]);
  });

  it('fails every caller whose records were in a failed send, and only those', async () => {
    const sender = new CoalescedSends({
      send: async (topic) => {
        if (topic === 'partner.down') throw new Error('broker away');
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
