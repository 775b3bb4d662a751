import { describe, expect, it } from 'vitest';
import { upperBoundRanks } from '../../harness/stats/tiers.js';
import { expected } from './significance-fixture.js';

describe("significance tiers: Arena-Hard's Rank (UB) as FastChat computes it", () => {
  for (const c of expected.tiers) {
    it(c.name, () => {
      expect(upperBoundRanks(c.intervals)).toEqual(c.ranks);
    });
  }

  it('gives a model without an interval no tier, and it separates nobody', () => {
    expect(upperBoundRanks([[5, 6], null, [1, 2]])).toEqual([1, null, 2]);
    expect(upperBoundRanks([])).toEqual([]);
  });
});
