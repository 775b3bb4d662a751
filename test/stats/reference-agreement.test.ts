import { describe, expect, it } from 'vitest';
import {
  agreementWithConfidence,
  pairRankBrier,
  referenceIntervals,
  strictPairAgreement,
} from '../../harness/stats/reference-agreement.js';
import { expectClose, expectInterval, expected } from './significance-fixture.js';

describe("agreement with AlpacaEval 2 as Arena-Hard's notebook computes it", () => {
  for (const c of expected.referenceAgreement) {
    it(c.name, () => {
      const ref = referenceIntervals(
        c.models.map((m) => ({ value: m.reference, standardError: m.standardError })),
      );
      c.models.forEach((m, i) =>
        expectInterval(ref[i]!, m.referenceInterval, `${m.name} reference interval`),
      );

      const agreement = agreementWithConfidence(
        c.models.map((m) => m.interval),
        ref,
      );
      expect(agreement.pairs).toBe(c.agreementPairs);
      expectClose(agreement.value, c.agreementWithConfidence, 'agreement with confidence');

      const strict = strictPairAgreement(
        c.models.map((m) => m.score),
        c.models.map((m) => m.reference),
      );
      expect(strict.pairs).toBe((c.models.length * (c.models.length - 1)) / 2);
      expectClose(strict.value, c.strict, 'strict agreement');

      const brier = pairRankBrier(c.models);
      expect(brier.pairs).toBe(c.brierPairs);
      expectClose(brier.value, c.brier, 'pair-rank Brier');
    });
  }

  it('takes the pairs in sorted-name order, whatever the input order', () => {
    const c = expected.referenceAgreement[0]!; // has a reference tie, where the order matters
    const reversed = [...c.models].reverse();
    expectClose(pairRankBrier(reversed).value, c.brier, 'reversed input');
  });

  it('uses the limit of the forecast when both variances are 0', () => {
    const m = (name: string, mean: number, reference: number) => ({ name, mean, variance: 0, reference });
    expect(pairRankBrier([m('a', 1, 1), m('b', 2, 2)]).value).toBe(0); // forecast 1, outcome 1
    expect(pairRankBrier([m('a', 1, 1), m('b', 1, 2)]).value).toBe(0.25); // forecast 0.5
  });

  it('counts 0.5 for a pair the judge cannot separate, 0 for one it orders the other way', () => {
    const ref: [number, number][] = [
      [0, 1],
      [2, 3],
      [4, 5],
    ];
    // (0,1): judge separates, agrees: 1; (0,2): judge overlaps: 0.5; (1,2): judge reversed: 0
    const judge: [number, number][] = [
      [0, 1],
      [5, 6],
      [0.5, 2],
    ];
    expect(agreementWithConfidence(judge, ref)).toMatchObject({ value: 0.5, pairs: 3, hits: 1.5 });
  });

  it('is NaN with a reason when nothing can be counted', () => {
    const overlapping: [number, number][] = [
      [0, 2],
      [1, 3],
    ];
    const a = agreementWithConfidence(overlapping, overlapping);
    expect(a.value).toBeNaN();
    expect(a.reason).toBe('the reference separates no pair');
    expect(strictPairAgreement([1], [1]).value).toBeNaN();
    expect(pairRankBrier([]).reason).toMatch(/at least 2 models/);
    expect(referenceIntervals([{ value: 50, standardError: NaN }])).toEqual([null]);
    expect(() => strictPairAgreement([1, 2], [1])).toThrow(RangeError);
  });

  it('counts ties as disagreement in the strict share', () => {
    expect(strictPairAgreement([1, 1, 2], [1, 2, 3])).toMatchObject({ hits: 2, pairs: 3 });
  });
});
