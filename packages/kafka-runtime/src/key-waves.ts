/**
 * Splits messages of one partition (in offset order) into waves in which no key appears twice: the first
 * message of every key, then the second, and so on. A wave's messages may be handled together, and the waves
 * one after the other keep every key's messages in their order. Messages without a key share one (the empty
 * key), so they stay in order among themselves too.
 */
export function keyWaves<T extends { key: string | null }>(items: T[]): T[][] {
  const waves: T[][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const key = item.key ?? '';
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const wave = waves[n];
    if (wave) wave.push(item);
    else waves.push([item]);
  }
  return waves;
}
