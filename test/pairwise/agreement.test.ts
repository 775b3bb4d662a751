import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../harness/core/types.js';
import {
  bootstrapAgreement,
  confusion,
  mapBack,
  pairAgrees,
  pairConsistent,
  pairwiseHits,
  singleHits,
  summarizePairwise,
  summarizeSingle,
  verdictFromRatings,
  type PairwiseJudged,
} from '../../harness/stats/agreement.js';

const pair = (label: Verdict, given: Verdict | null, swapped: Verdict | null): PairwiseJudged => ({
  label,
  given,
  swapped,
});

describe('mapBack', () => {
  it('swaps first and second and keeps tie', () => {
    expect(mapBack('first')).toBe('second');
    expect(mapBack('second')).toBe('first');
    expect(mapBack('tie')).toBe('tie');
  });
});

describe('per-pair agreement and consistency (the authors’ definitions)', () => {
  it('agrees only when both orders equal the label after mapping back', () => {
    // label first; swapped prompt shows the given first response second, so a correct judge says "second"
    expect(pairAgrees(pair('first', 'first', 'second'))).toBe(true);
    expect(pairAgrees(pair('first', 'first', 'first'))).toBe(false); // position-driven: picked slot 1 twice
    expect(pairAgrees(pair('first', 'second', 'first'))).toBe(false); // consistent but wrong
    expect(pairAgrees(pair('tie', 'tie', 'tie'))).toBe(true);
    expect(pairAgrees(pair('tie', 'tie', 'first'))).toBe(false);
  });

  it('is consistent when the two verdicts agree after mapping back, whatever the label', () => {
    expect(pairConsistent(pair('first', 'second', 'first'))).toBe(true);
    expect(pairConsistent(pair('tie', 'tie', 'tie'))).toBe(true);
    expect(pairConsistent(pair('first', 'first', 'first'))).toBe(false);
    expect(pairConsistent(pair('first', 'tie', 'second'))).toBe(false);
  });

  it('counts a missing verdict as wrong and inconsistent', () => {
    expect(pairAgrees(pair('first', 'first', null))).toBe(false);
    expect(pairAgrees(pair('first', null, 'second'))).toBe(false);
    expect(pairConsistent(pair('tie', null, null))).toBe(false);
    expect(pairConsistent(pair('tie', 'tie', null))).toBe(false);
  });
});

describe('summarizePairwise', () => {
  const pairs = [
    pair('first', 'first', 'second'), // agree, consistent
    pair('second', 'second', 'first'), // agree, consistent
    pair('tie', 'first', 'first'), // wrong, inconsistent, first both times
    pair('first', null, 'second'), // unparsed given: wrong, inconsistent
    pair('second', 'first', 'second'), // consistent, wrong
  ];
  const s = summarizePairwise(pairs);

  it('computes the headline rates over all pairs, missing verdicts included', () => {
    expect(s.n).toBe(5);
    expect(s.agreement).toMatchObject({ value: 40, hits: 2, n: 5 });
    expect(s.consistency).toMatchObject({ value: 60, hits: 3, n: 5 });
    expect(s.agreementNonTie).toMatchObject({ value: 50, hits: 2, n: 4 });
  });

  it('reports unparsed counts per order and per pair', () => {
    expect(s.unparsed).toEqual({ given: 1, swapped: 0, pairs: 1 });
  });

  it('measures position bias over the decisive verdicts of both orders', () => {
    // verdicts as shown: first,second | second,first | first,first | -,second | first,second => 9 decisive, 5 first
    expect(s.positionBias?.firstRate).toMatchObject({ hits: 5, n: 9 });
    expect(s.positionBias?.firstRate.value).toBeCloseTo((100 * 5) / 9, 12);
    expect(s.positionBias?.firstBoth).toBe(1);
    expect(s.positionBias?.secondBoth).toBe(0);
  });

  it('computes tie rates and the confusion matrix against the given order', () => {
    expect(s.tieRate).toMatchObject({ hits: 0, n: 9 });
    expect(s.humanTieRate).toMatchObject({ value: 20, hits: 1, n: 5 });
    expect(s.confusion.order).toEqual(['first', 'second', 'tie']);
    expect(s.confusion.counts).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [1, 0, 0],
    ]);
    expect(s.confusion.unparsed).toEqual([1, 0, 0]);
  });

  it('gives NaN with a reason, not 0, for an empty set', () => {
    const empty = summarizePairwise([]);
    expect(empty.agreement.value).toBeNaN();
    expect(empty.agreement.reason).toBe('no pairs');
    expect(empty.consistency?.value).toBeNaN();
  });

  it('counts all-null verdicts as 0% agreement and 0% consistency, all reported as unparsed', () => {
    const s2 = summarizePairwise([pair('first', null, null), pair('tie', null, null)]);
    expect(s2.agreement.value).toBe(0);
    expect(s2.consistency?.value).toBe(0);
    expect(s2.unparsed).toEqual({ given: 2, swapped: 2, pairs: 2 });
    expect(s2.tieRate.value).toBeNaN();
  });
});

describe('single protocol', () => {
  it('derives the verdict from two ratings; equal ratings are a tie', () => {
    expect(verdictFromRatings(8, 6)).toBe('first');
    expect(verdictFromRatings(5, 7)).toBe('second');
    expect(verdictFromRatings(7, 7)).toBe('tie');
    expect(verdictFromRatings(7.5, 7)).toBe('first');
  });

  it('widens the tie band with a tie margin (inclusive, robust to decimal rounding)', () => {
    expect(verdictFromRatings(8, 7, 1)).toBe('tie');
    expect(verdictFromRatings(6, 7, 1)).toBe('tie');
    expect(verdictFromRatings(9, 7, 1)).toBe('first');
    expect(verdictFromRatings(8.3, 8.2, 0.1)).toBe('tie'); // 8.3 - 8.2 = 0.10000000000000142
    expect(verdictFromRatings(8.3, 8.1, 0.1)).toBe('first');
  });

  it('gives no verdict when a rating is missing or not finite', () => {
    expect(verdictFromRatings(null, 7)).toBeNull();
    expect(verdictFromRatings(7, null)).toBeNull();
    expect(verdictFromRatings(Number.NaN, 7)).toBeNull();
  });

  it('scores agreement only: consistency and position bias are not applicable (null, not 0)', () => {
    const s = summarizeSingle([
      { label: 'first', verdict: 'first' },
      { label: 'tie', verdict: 'tie' },
      { label: 'second', verdict: 'first' },
      { label: 'second', verdict: null },
    ]);
    expect(s.protocol).toBe('single');
    expect(s.agreement).toMatchObject({ value: 50, hits: 2, n: 4 });
    expect(s.consistency).toBeNull();
    expect(s.positionBias).toBeNull();
    expect(s.agreementNonTie).toMatchObject({ hits: 1, n: 3 });
    expect(s.tieRate).toMatchObject({ hits: 1, n: 3 });
    expect(s.unparsed).toEqual({ given: 1, swapped: null, pairs: 1 });
    expect(singleHits([{ label: 'tie', verdict: 'tie' }]).consistency).toBeNull();
  });
});

describe('confusion', () => {
  it('puts human labels on rows and judge verdicts on columns', () => {
    const c = confusion([
      { label: 'second', verdict: 'tie' },
      { label: 'second', verdict: 'tie' },
      { label: 'tie', verdict: null },
    ]);
    expect(c.counts[1]).toEqual([0, 0, 2]);
    expect(c.unparsed).toEqual([0, 0, 1]);
  });
});

describe('bootstrapAgreement', () => {
  const pairs = Array.from({ length: 200 }, (_, i) =>
    pair(i % 3 === 0 ? 'tie' : 'first', i % 2 === 0 ? 'first' : 'tie', i % 5 === 0 ? 'first' : 'second'),
  );
  const hits = pairwiseHits(pairs);
  const point = summarizePairwise(pairs);

  it('is reproducible with a seed and changes with another seed', () => {
    const a = bootstrapAgreement(hits, { resamples: 500, seed: 7 });
    const b = bootstrapAgreement(hits, { resamples: 500, seed: 7 });
    const c = bootstrapAgreement(hits, { resamples: 500, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('brackets the point estimates', () => {
    const { agreement, consistency } = bootstrapAgreement(hits, { resamples: 1000, seed: 1 });
    expect(agreement![0]).toBeLessThan(point.agreement.value);
    expect(agreement![1]).toBeGreaterThan(point.agreement.value);
    expect(consistency![0]).toBeLessThan(point.consistency!.value);
    expect(consistency![1]).toBeGreaterThan(point.consistency!.value);
  });

  it('is null without pairs or resamples, and for consistency under the single protocol', () => {
    expect(bootstrapAgreement({ agreement: [], consistency: [] }, { resamples: 100, seed: 1 })).toEqual({
      agreement: null,
      consistency: null,
    });
    expect(bootstrapAgreement(hits, { resamples: 0, seed: 1 }).agreement).toBeNull();
    const single = bootstrapAgreement(singleHits([{ label: 'first', verdict: 'first' }]), {
      resamples: 10,
      seed: 1,
    });
    expect(single.agreement).toEqual([100, 100]);
    expect(single.consistency).toBeNull();
  });
});
