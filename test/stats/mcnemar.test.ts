import { describe, expect, it } from 'vitest';
import { mcnemar } from '../../harness/stats/mcnemar.js';
import { expectClose, expected } from './significance-fixture.js';

describe('McNemar, exact and corrected chi-square, against scipy (statsmodels formulas)', () => {
  for (const c of expected.mcnemar) {
    it(`b = ${c.b}, c = ${c.c}`, () => {
      const got = mcnemar(c.first, c.second);
      expect(got.firstOnly).toBe(c.b);
      expect(got.secondOnly).toBe(c.c);
      expect(got.n).toBe(c.first.length);
      expectClose(got.p, c.p, 'exact p');
      expectClose(got.chiSquare, c.chiSquare, 'chi-square');
      expectClose(got.chiSquareP, c.chiSquareP, 'chi-square p');
    });
  }

  it('leaves items without a score out; no items is NaN with a reason', () => {
    expect(mcnemar([true, null, false], [false, true, true])).toMatchObject({
      n: 2,
      firstOnly: 1,
      secondOnly: 1,
    });
    const none = mcnemar([], []);
    expect(none.p).toBeNaN();
    expect(none.reason).toBe('no item scored for both judges');
    const same = mcnemar([true, false], [true, false]);
    expect(same.p).toBe(1);
    expect(same.chiSquareP).toBeNaN();
    expect(same.reason).toMatch(/no discordant item/);
  });
});
