/**
 * A shuffler with a fixed seed (a small linear congruential generator), so training that visits its
 * examples in shuffled order gives the same weights on every run. Each call shuffles `items` in place
 * (Fisher–Yates) and moves the sequence on.
 */
export function seededShuffler(seed: number): <T>(items: T[]) => void {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return (items) => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j] as (typeof items)[number], items[i] as (typeof items)[number]];
    }
  };
}
