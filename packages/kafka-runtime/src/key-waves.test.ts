import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyWaves } from './key-waves.js';

describe('keyWaves', () => {
  it('puts each key once in a wave, the first message of every key first', () => {
    const items = ['a', 'b', 'a', 'c', 'a', 'b'].map((key, offset) => ({ key, offset }));
    expect(keyWaves(items).map((wave) => wave.map((m) => `${m.key}${m.offset}`))).toEqual([['a0', 'b1', 'c3'], ['a2', 'b5'], ['a4']]);
  });

  it('keeps messages without a key in order, one per wave', () => {
    const items = [null, 'a', null].map((key, offset) => ({ key, offset }));
    expect(keyWaves(items).map((wave) => wave.map((m) => m.offset))).toEqual([[0, 1], [2]]);
  });

  it('property: handled wave after wave, every key keeps its order and nothing is lost or doubled', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', null), { maxLength: 60 }), (keys) => {
        const items = keys.map((key, offset) => ({ key, offset }));
        const waves = keyWaves(items);
        for (const wave of waves) expect(new Set(wave.map((m) => m.key ?? '')).size).toBe(wave.length);
        const handled = waves.flat();
        expect(handled.map((m) => m.offset).sort((x, y) => x - y)).toEqual(items.map((m) => m.offset));
        for (const key of new Set(keys)) {
          const order = handled.filter((m) => m.key === key).map((m) => m.offset);
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }
      }),
    );
  });
});
