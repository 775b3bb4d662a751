import { describe, expect, it } from 'vitest';
import { binomialCdf, chiSquare1Sf, erfc, normalCdf, normalQuantile } from '../../harness/stats/normal.js';
import { createRng } from '../../harness/stats/rng.js';
import { expectClose, expected } from './significance-fixture.js';

describe('distribution functions against scipy', () => {
  it('normal CDF, erfc, quantile and the chi-square(1) tail to 1e-9, relative in the tail', () => {
    for (const [z, want] of expected.normal.cdf) expectClose(normalCdf(z), want, `Phi(${z})`);
    for (const [x, want] of expected.normal.erfc) expectClose(erfc(x), want, `erfc(${x})`);
    for (const [p, want] of expected.normal.quantile) expectClose(normalQuantile(p), want, `Phi^-1(${p})`);
    for (const [x, want] of expected.normal.chi2sf1) expectClose(chiSquare1Sf(x), want, `chi2.sf(${x}, 1)`);
    // far tails keep their relative accuracy (no 1 - erf cancellation)
    for (const [x, want] of expected.normal.erfc.filter(([x]) => x >= 2.5)) {
      expect(Math.abs(erfc(x) / want - 1), `erfc(${x}) relative`).toBeLessThan(1e-12);
    }
  });

  it('binomial CDF', () => {
    for (const [k, n, p, want] of expected.normal.binomcdf) {
      expectClose(binomialCdf(k, n, p), want, `binom.cdf(${k}, ${n}, ${p})`);
    }
  });

  it('is NaN outside the domain, never 0', () => {
    expect(normalQuantile(0)).toBeNaN();
    expect(normalQuantile(1)).toBeNaN();
    expect(normalCdf(NaN)).toBeNaN();
  });
});

describe('the generator the Python script replays', () => {
  it('draws what the Python port draws (so both sides resample the same items)', () => {
    for (const { seed, draws } of expected.rng) {
      const rng = createRng(seed);
      expect(draws.map(() => rng())).toEqual(draws);
    }
  });
});
