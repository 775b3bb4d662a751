import { describe, expect, it } from 'vitest';
import type { ScoreMatrix } from '../../harness/stats/bootstrap.js';
import { averageRanks, scoreAndRankIntervals } from '../../harness/stats/score-intervals.js';
import { expectClose, expectInterval, expected } from './significance-fixture.js';

function matrixOf(values: number[][], valid: number[][]): ScoreMatrix {
  const models = values.length;
  const items = values[0]!.length;
  return {
    models,
    items,
    values: Float64Array.from(values.flat()),
    valid: Uint8Array.from(valid.flat()),
  };
}

describe('per-model score and rank intervals against numpy/scipy on the same resamples', () => {
  for (const c of expected.scoreIntervals) {
    it(c.name, () => {
      const got = scoreAndRankIntervals(matrixOf(c.values, c.valid), {
        resamples: c.resamples,
        seed: c.seed,
      });
      expect(got).toHaveLength(c.models.length);
      c.models.forEach((want, m) => {
        const g = got[m]!;
        expect(g.n, `model ${m} n`).toBe(want.n);
        expectClose(g.score, want.score, `model ${m} score`);
        expectInterval(g.ci95, want.ci95, `model ${m} ci95`);
        expectClose(g.rank, want.rank, `model ${m} rank`);
        expectInterval(g.rankCi95, want.rankCi95, `model ${m} rank ci95`);
        expectClose(g.replicateMean, want.replicateMean, `model ${m} replicate mean`);
        expectClose(g.replicateVariance, want.replicateVariance, `model ${m} replicate variance`);
      });
    });
  }

  it('gives a model without valid items NaN and a reason, never 0', () => {
    const c = expected.scoreIntervals[1]!;
    const got = scoreAndRankIntervals(matrixOf(c.values, c.valid), { resamples: 50, seed: 1 });
    expect(got[4]).toMatchObject({ n: 0, ci95: null, rankCi95: null, reason: 'no valid item' });
    expect(got[4]!.score).toBeNaN();
    expect(got[4]!.rank).toBeNaN();
    // the others rank among themselves: 1..4
    expect(
      got
        .slice(0, 4)
        .map((m) => m.rank)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
  });

  it('is reproducible from its seed, and without resamples has no intervals', () => {
    const c = expected.scoreIntervals[0]!;
    const m = matrixOf(c.values, c.valid);
    expect(scoreAndRankIntervals(m, { resamples: 40, seed: 4 })).toEqual(
      scoreAndRankIntervals(m, { resamples: 40, seed: 4 }),
    );
    const none = scoreAndRankIntervals(m, { resamples: 0, seed: 4 });
    expect(none.every((x) => x.ci95 === null && x.rankCi95 === null)).toBe(true);
    expect(none[0]!.score).toBeCloseTo(scoreAndRankIntervals(m, { resamples: 5, seed: 4 })[0]!.score, 15);
  });

  it('ranks lower scores first when lower is better', () => {
    const m = matrixOf(
      [
        [1, 1],
        [3, 3],
        [2, 2],
      ],
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
    );
    expect(
      scoreAndRankIntervals(m, { resamples: 0, seed: 0, higherIsBetter: false }).map((x) => x.rank),
    ).toEqual([1, 3, 2]);
  });

  it('averages tied ranks and leaves NaN unranked', () => {
    expect([...averageRanks([5, 7, 5, NaN, 1])]).toEqual([2.5, 1, 2.5, NaN, 4]);
    expect([...averageRanks([5, 7, 5, NaN, 1], -1)]).toEqual([2.5, 4, 2.5, NaN, 1]);
  });
});
