import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sampleRankCorrelation } from 'simple-statistics';
import {
  CORRELATIONS,
  correlationsAgainst,
  kendallTauB,
  midranks,
  pearson,
  spearman,
} from '../../harness/stats/correlation.js';

// Expected values computed with scipy by scripts/stats-expected.py (see there).
const expected = JSON.parse(
  readFileSync(new URL('../fixtures/stats-expected.json', import.meta.url), 'utf8'),
) as {
  cases: {
    name: string;
    x: number[];
    y: number[];
    spearman: number | null;
    kendall: number | null;
    pearson: number | null;
  }[];
};

/** Kendall's tau-b by its definition, pair by pair (what the O(n log n) count must equal exactly). */
function tauByPairs(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  let untiedX = 0;
  let untiedY = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const dx = Math.sign(a[i]! - a[j]!);
      const dy = Math.sign(b[i]! - b[j]!);
      untiedX += dx === 0 ? 0 : 1;
      untiedY += dy === 0 ? 0 : 1;
      s += dx * dy;
    }
  }
  return s / Math.sqrt(untiedX * untiedY);
}

describe('correlations against scipy', () => {
  for (const c of expected.cases) {
    it(c.name, () => {
      for (const [fn, want] of [
        [spearman, c.spearman],
        [kendallTauB, c.kendall],
        [pearson, c.pearson],
      ] as const) {
        const got = fn(c.x, c.y);
        expect(got.n).toBe(c.x.length);
        if (want === null) {
          expect(got.value).toBeNull();
          expect(got.reason).toMatch(/constant/);
        } else {
          expect(got.value).toBeCloseTo(want, 12);
        }
      }
    });
  }

  it('reproduces the Auto-J paper figures for table 24 to 4 decimals', () => {
    const c = expected.cases[0]!;
    expect(spearman(c.x, c.y).value!.toFixed(4)).toBe('0.9802');
    expect(kendallTauB(c.x, c.y).value!.toFixed(4)).toBe('0.8824');
    expect(pearson(c.x, c.y).value!.toFixed(4)).toBe('0.9815');
  });

  it("counts Kendall's tau-b exactly as the pairwise definition, ties in x, y and both included", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let t = 0; t < 300; t++) {
      const n = 3 + (t % 60);
      // few distinct values on some inputs (many ties), continuous ones on others
      const levels = t % 3 === 0 ? 4 : t % 3 === 1 ? 12 : 0;
      const draw = () => (levels > 0 ? Math.floor(next() * levels) : next() * 10 - 5);
      const x = Array.from({ length: n }, draw);
      const y = x.map((v) => (t % 2 === 0 ? v + draw() : draw()));
      const got = kendallTauB(x, y);
      if (got.value === null) continue;
      expect(got.value).toBe(tauByPairs(x, y));
    }
  });

  it('gives, against a fixed y, exactly the values of each correlation on its own', () => {
    let seed = 13;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let compared = 0;
    for (let t = 0; t < 200; t++) {
      const n = 3 + (t % 50);
      // few distinct values on some inputs (ties in x, y and both), continuous ones on others
      const levels = t % 3 === 0 ? 4 : t % 3 === 1 ? 12 : 0;
      const draw = () => (levels > 0 ? Math.floor(next() * levels) - 2 : next() * 10 - 5);
      const y = Array.from({ length: n }, draw).map((v, i) => (v === 0 && i % 2 === 0 ? -0 : v));
      const against = correlationsAgainst(y);
      for (let r = 0; r < 5; r++) {
        const x = y.map((v) => (r % 2 === 0 ? v + draw() : draw()));
        const got = against(x);
        for (const name of ['spearman', 'kendall', 'pearson'] as const) {
          expect(got[name]).toBe(CORRELATIONS[name](x, y).value);
          if (got[name] !== null) compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(2500);
    // undefined where the correlations are: a constant side, a non-finite value
    expect(correlationsAgainst([1, 2, 3])([5, 5, 5])).toEqual({
      spearman: null,
      kendall: null,
      pearson: null,
    });
    expect(correlationsAgainst([4, 4, 4])([1, 2, 3])).toEqual({
      spearman: null,
      kendall: null,
      pearson: null,
    });
    expect(correlationsAgainst([1, 2, 3])([1, NaN, 3])).toEqual({
      spearman: null,
      kendall: null,
      pearson: null,
    });
    expect(() => correlationsAgainst([1, 2, 3])([1, 2])).toThrow(RangeError);
  });

  it('ranks as simple-statistics does, ties sharing their mean rank', () => {
    expect(midranks([3, 1, 3, -0, 0, 7])).toEqual([3.5, 2, 3.5, 0.5, 0.5, 5]);
    const x = [0.3, 2, 2, -1, 5, 2, 0.3];
    const y = [1, 4, 2, 2, 9, 0, -3];
    expect(sampleRankCorrelation(x, y)).toBe(spearman(x, y).value);
  });

  it('is undefined, with a reason, below three pairs', () => {
    for (const fn of [spearman, kendallTauB, pearson]) {
      expect(fn([1, 2], [2, 1])).toEqual({ value: null, n: 2, reason: 'needs at least 3 pairs, got 2' });
      expect(fn([], [])).toMatchObject({ value: null, n: 0 });
    }
  });

  it('is undefined for a constant side rather than 0 or a crash', () => {
    for (const fn of [spearman, kendallTauB, pearson]) {
      expect(fn([1, 2, 3, 4], [5, 5, 5, 5])).toEqual({ value: null, n: 4, reason: 'one side is constant' });
    }
  });

  it('rejects inputs of different lengths', () => {
    expect(() => spearman([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
});
