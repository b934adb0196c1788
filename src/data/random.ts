// Seeded pseudo-random numbers for the data layer: shuffles and splits that repeat exactly for a given seed.

/** A source of uniform random numbers in [0, 1) with 32 bits of resolution. */
export type Random = () => number;

/**
 * xoshiro128** seeded through splitmix32. Chosen because it is small, fast, well tested, and its
 * output depends only on the seed, so splits and batch orders are reproducible across machines
 * and Node versions (Math.random offers no seeding).
 */
export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  let mix = Math.trunc(seed) >>> 0;
  const splitmix = (): number => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  // Seeds above 2^32 would otherwise collide with their low 32 bits.
  mix = (mix ^ Math.floor(Math.abs(seed) / 0x100000000)) >>> 0;
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  if ((a | b | c | d) === 0) a = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c = (c ^ a) >>> 0;
    d = (d ^ b) >>> 0;
    b = (b ^ c) >>> 0;
    a = (a ^ d) >>> 0;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    return result / 0x100000000;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A uniform integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/** Fisher-Yates shuffle of `items` in place. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const swap = items[i] as T;
    items[i] = items[j] as T;
    items[j] = swap;
  }
  return items;
}

/** A shuffled copy of `items`; the same seed always gives the same order. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  return shuffleInPlace(items.slice(), createRandom(seed));
}
