import { describe, expect, it } from 'vitest';
import { tabulatedTanh } from '../../harness/stats/tabulated-tanh.js';
import { createRng } from '../../harness/stats/rng.js';

/** 2 ulp of 1: Math.tanh is itself not correctly rounded, so this is the bound to hold. */
const TOLERANCE = 2 * Number.EPSILON;

describe('tabulatedTanh', () => {
  it('is within 2 ulp of 1 of Math.tanh on a dense grid over the whole table and beyond', () => {
    let worst = 0;
    // every interval's ends and midpoint, and 64 points inside each, out to 25
    for (let i = 0; i <= 25 * 32 * 64; i++) {
      for (const x of [i / (32 * 64), -i / (32 * 64)]) {
        worst = Math.max(worst, Math.abs(tabulatedTanh(x) - Math.tanh(x)));
      }
    }
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });

  it('is within 2 ulp of 1 of Math.tanh at random points, small ones included', () => {
    const rng = createRng(7);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = (rng() - 0.5) * 40 * rng() ** 4;
      worst = Math.max(worst, Math.abs(tabulatedTanh(x) - Math.tanh(x)));
    }
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    for (const x of [1e-300, 1e-12, 1 / 64, 0.625, 19.06, 19.999999, 20]) {
      expect(Math.abs(tabulatedTanh(x) - Math.tanh(x))).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('is odd, saturates at +-1, and passes NaN through', () => {
    for (const x of [0.1, 0.7, 3.3, 12]) expect(tabulatedTanh(-x)).toBe(-tabulatedTanh(x));
    expect(tabulatedTanh(20)).toBe(1);
    expect(tabulatedTanh(-1e300)).toBe(-1);
    expect(tabulatedTanh(Infinity)).toBe(1);
    expect(tabulatedTanh(-Infinity)).toBe(-1);
    expect(tabulatedTanh(NaN)).toBeNaN();
  });
});
