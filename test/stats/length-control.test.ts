import { describe, expect, it } from 'vitest';
import { lengthControlledScore } from '../../harness/stats/length-control.js';
import { expectClose, expectInterval, expected } from './significance-fixture.js';

describe('length-controlled score against scipy.stats.linregress, its interval on the same resamples', () => {
  for (const c of expected.lengthControl) {
    it(c.name, () => {
      const got = lengthControlledScore(c, { bootstrap: { resamples: c.resamples, seed: c.seed } });
      expect(got.n).toBe(c.ratings.length);
      expectClose(got.value, c.value, 'intercept');
      expectClose(got.slope, c.slope, 'slope');
      expectClose(got.standardError, c.standardError, 'intercept standard error');
      expectClose(got.sdLengthDifference, c.sdLengthDifference, 'sd of length differences');
      expectClose(got.raw, c.raw, 'raw mean');
      expectInterval(got.ci95, c.ci95, 'ci95');
    });
  }

  it('is the plain mean when every output is as long as the baseline', () => {
    const got = lengthControlledScore({
      ratings: [4, 6, 8],
      modelLengths: [10, 20, 30],
      baselineLengths: [10, 20, 30],
    });
    expect(got.value).toBe(6);
    expect(got.note).toMatch(/plain mean/);
    expect(got.standardError).toBeCloseTo(2 / Math.sqrt(3), 12);
  });

  it('is NaN with a reason when there is nothing to fit', () => {
    const same = lengthControlledScore({
      ratings: [4, 6, 8],
      modelLengths: [15, 25, 35],
      baselineLengths: [10, 20, 30],
    });
    expect(same.value).toBeNaN();
    expect(same.reason).toMatch(/same length/);
    const few = lengthControlledScore({
      ratings: [4, NaN, 8],
      modelLengths: [1, 2, 3],
      baselineLengths: [3, 2, 1],
    });
    expect(few.n).toBe(2);
    expect(few.value).toBeNaN();
    expect(few.reason).toBe('needs at least 3 rated items, got 2');
    expect(() => lengthControlledScore({ ratings: [1], modelLengths: [], baselineLengths: [] })).toThrow(
      RangeError,
    );
  });
});
