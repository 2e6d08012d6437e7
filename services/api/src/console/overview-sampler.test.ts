import { describe, expect, it } from 'vitest';
import { percentiles } from './overview-sampler.js';

describe('percentiles', () => {
  it('takes the nearest rank: p50 the middle, p99 the slowest of fewer than a hundred, none for none', () => {
    expect(percentiles([])).toBeNull();
    expect(percentiles([30, 10, 20])).toEqual({ p50: 20, p99: 30, count: 3 });
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(hundred)).toEqual({ p50: 50, p99: 99, count: 100 });
  });
});
