import { describe, expect, it } from 'vitest';
import {
  bootstrapItemMeans,
  bootstrapUnits,
  percentileInterval,
  planIndices,
  quantileSorted,
  resamplePlan,
} from '../../harness/stats/bootstrap.js';
import { createRng, sampleIndices } from '../../harness/stats/rng.js';

describe('percentile interval', () => {
  it('interpolates linearly like numpy.quantile', () => {
    // numpy.quantile([1, 2, 3, 4], [0.025, 0.975]) == [1.075, 3.925]
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 12);
    const [lo, hi] = percentileInterval([4, 3, 2, 1])!;
    expect(lo).toBeCloseTo(1.075, 12);
    expect(hi).toBeCloseTo(3.925, 12);
  });

  it('leaves out undefined replicates, and gives up when most are undefined', () => {
    expect(percentileInterval([1, NaN, 2, 3])).not.toBeNull();
    expect(percentileInterval([NaN, NaN, NaN, 1])).toBeNull();
    expect(percentileInterval([])).toBeNull();
    // typed arrays as well, infinities left out like NaN, the rest in numeric (not string) order
    const values = [10, NaN, -Infinity, 9, 100, 2, Infinity, 1];
    expect(percentileInterval(Float64Array.from(values))).toEqual(percentileInterval(values));
    expect(percentileInterval(values, 0.5)).toEqual([2, 10]);
  });
});

describe('seeded randomness', () => {
  it('reproduces a stream from its seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    for (const v of xs) expect(v >= 0 && v < 1).toBe(true);
  });

  it('samples k distinct sorted indices', () => {
    const s = sampleIndices(805, 200, 3);
    expect(s).toHaveLength(200);
    expect(new Set(s).size).toBe(200);
    expect([...s].sort((x, y) => x - y)).toEqual(s);
    expect(sampleIndices(805, 200, 3)).toEqual(s);
    expect(sampleIndices(805, 200, 4)).not.toEqual(s);
    expect(sampleIndices(5, 10, 1)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('bootstrap over items', () => {
  it('recomputes each model mean over the drawn items, skipping invalid cells', () => {
    const items = 7;
    const values = new Float64Array([1, 2, 3, 4, 5, 6, 7, 10, 0, 10, 0, 10, 0, 10]);
    const valid = new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1]);
    const seen: number[][] = [];
    bootstrapItemMeans({ models: 2, items, values, valid }, (means) => seen.push([...means]), {
      resamples: 20,
      seed: 9,
    });
    expect(seen).toHaveLength(20);
    // Model 2 only has valid 10s: every replicate's mean is 10 (or NaN if none was drawn).
    for (const [, m2] of seen) expect(Number.isNaN(m2!) || m2 === 10).toBe(true);
    // Replay the same draws by hand for model 1.
    const rng = createRng(9);
    for (const [m1] of seen) {
      let sum = 0;
      for (let i = 0; i < items; i++) sum += values[Math.floor(rng() * items)]!;
      expect(m1).toBeCloseTo(sum / items, 12);
    }
  });

  it('bootstrapUnits is reproducible for a seed', () => {
    const stat = (idx: Uint32Array) => idx.reduce((a, b) => a + b, 0);
    expect(bootstrapUnits(10, stat, { resamples: 5, seed: 1 })).toEqual(
      bootstrapUnits(10, stat, { resamples: 5, seed: 1 }),
    );
  });
});

describe('resamplePlan', () => {
  it('holds the draws of bootstrapUnits (same seed), as counts per unit', () => {
    const options = { resamples: 50, seed: 7 };
    const drawn: number[][] = [];
    bootstrapUnits(13, (idx) => (drawn.push(Array.from(idx).sort((a, b) => a - b)), 0), options);
    const plan = resamplePlan(13, options);
    expect(plan.resamples).toBe(50);
    for (let r = 0; r < 50; r++) expect(Array.from(planIndices(plan, r))).toEqual(drawn[r]);
    // asked again: the same plan, not drawn anew
    expect(resamplePlan(13, options)).toBe(plan);
  });
});

describe('bootstrapItemMeans reuses the replicate means of rows it saw with the same draws', () => {
  const items = 40;
  const row = (seed: number) => {
    const rng = createRng(seed);
    return Array.from({ length: items }, () => Math.floor(rng() * 10) + 1);
  };
  const matrix = (rows: number[][], invalid: number) => ({
    models: rows.length,
    items,
    values: Float64Array.from(rows.flat()),
    valid: Uint8Array.from(rows.flat(), (_, c) => (c % items === invalid ? 0 : 1)),
  });
  const run = (m: ReturnType<typeof matrix>, seed: number) => {
    const out: number[][] = [];
    bootstrapItemMeans(m, (means) => out.push(Array.from(means)), { resamples: 30, seed });
    return out;
  };
  it('gives a superset of the previous rows exactly what a fresh computation gives', () => {
    const rows = [row(1), row(2), row(3), row(4)];
    run(matrix([rows[1]!, rows[2]!], 5), 9); // the correlations' rows first
    const reused = run(matrix(rows, 5), 9); // then every row, as the intervals ask
    run(matrix(rows, 5), 10); // other draws: nothing to reuse
    const fresh = run(matrix(rows, 5), 9);
    expect(reused).toEqual(fresh);
    // a row differing only in which cells are valid is not taken for another
    expect(run(matrix(rows, 6), 9)).not.toEqual(fresh);
  });
});
