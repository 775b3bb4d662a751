import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kendallTauB, pearson, spearman } from '../../harness/stats/correlation.js';

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
