/**
 * Seeded pseudo-random numbers for the bootstrap and instruction sampling.
 * splitmix32-seeded mulberry32: tiny, fast, and identical on every platform, so a seed
 * reproduces a confidence interval bit for bit. Statistics never use Math.random.
 */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let state = splitmix32(seed >>> 0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n). */
export function randomIndex(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seeded Fisher-Yates sample of k distinct indices out of n, in ascending order. */
export function sampleIndices(n: number, k: number, seed: number): number[] {
  const rng = createRng(seed);
  const pool = Array.from({ length: n }, (_, i) => i);
  const take = Math.min(k, n);
  for (let i = 0; i < take; i++) {
    const j = i + randomIndex(rng, n - i);
    const tmp = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = tmp;
  }
  return pool.slice(0, take).sort((a, b) => a - b);
}
