import { describe, expect, it } from 'vitest';
import { cohenKappa } from '../../harness/stats/kappa.js';
import { expectClose, expectInterval, expected } from './significance-fixture.js';

describe("Cohen's kappa against scikit-learn's formula, its interval on the same resamples", () => {
  for (const c of expected.kappa) {
    it(c.name, () => {
      const got = cohenKappa(c.first, c.second, { bootstrap: { resamples: c.resamples, seed: c.seed } });
      expect(got.n).toBe(c.n);
      expectClose(got.value, c.value, 'kappa');
      expectClose(got.observed, c.observed, 'observed agreement');
      expectClose(got.expected, c.expected, 'chance agreement');
      expectInterval(got.ci95, c.ci95, 'ci95');
      if (c.value === null) expect(got.reason).toMatch(/chance agreement is 1/);
    });
  }

  it('has no interval without a bootstrap, and is NaN with a reason without items', () => {
    expect(cohenKappa(['a', 'b'], ['a', 'b']).ci95).toBeNull();
    const empty = cohenKappa([null], ['a']);
    expect(empty.value).toBeNaN();
    expect(empty).toMatchObject({ n: 0, reason: 'no item labelled by both raters' });
    expect(() => cohenKappa(['a'], [])).toThrow(RangeError);
  });
});
