import { beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../harness/core/types.js';
import { scorePairwiseSuite } from '../../suites/pairwise/score.js';
import {
  loadPairwiseData,
  loadRecordedJudgments,
  swapTask,
  type PairwiseData,
} from '../../suites/pairwise/suite.js';
import { formatPairwiseTable } from '../../suites/pairwise/table.js';
import { AUTOJ, PREDICTIONS, SWAPPED } from './helpers.js';

const judge = { name: 'test', mode: 'live', description: 'test judge' } as const;

let data: PairwiseData;
let given: readonly Verdict[];
let swapped: readonly Verdict[];

beforeAll(async () => {
  data = await loadPairwiseData(AUTOJ);
  const recorded = await loadRecordedJudgments(data, PREDICTIONS, SWAPPED);
  if (recorded.judgments.protocol !== 'pairwise') throw new Error('expected pairwise judgments');
  given = recorded.judgments.given as Verdict[];
  swapped = recorded.judgments.swapped as Verdict[];
});

describe('scorePairwiseSuite (the entry point live mode calls)', () => {
  it('counts null verdicts as wrong and inconsistent, and reports them', () => {
    const full = scorePairwiseSuite(
      data,
      { protocol: 'pairwise', given, swapped },
      { judge, bootstrap: { resamples: 0, seed: 1 } },
    );
    // Drop the given verdict of the first 10 pairs that were counted as agreeing and consistent.
    const hit = data.pairs
      .filter(
        (p, i) =>
          given[i] === p.label && given[i] === { first: 'second', second: 'first', tie: 'tie' }[swapped[i]!],
      )
      .slice(0, 10)
      .map((p) => p.index);
    expect(hit).toHaveLength(10);
    const withNulls = given.map((v, i) => (hit.includes(i) ? null : v));
    const r = scorePairwiseSuite(
      data,
      { protocol: 'pairwise', given: withNulls, swapped },
      { judge, bootstrap: { resamples: 0, seed: 1 } },
    );
    expect(r.overall.agreement).toBeCloseTo(full.overall.agreement! - (100 * 10) / 1392, 10);
    expect(r.overall.consistency).toBeCloseTo(full.overall.consistency! - (100 * 10) / 1392, 10);
    expect(r.overall.unparsed).toEqual({ given: 10, swapped: 0, pairs: 10 });
    expect(r.overall.unparsedPairs).toBe(10);
    expect(r.overall.confusion.unparsed.reduce((a, b) => a + b, 0)).toBe(10);
    expect(r.notes.join(' ')).toMatch(/10 pairs lack a verdict/);
    expect(formatPairwiseTable(r)).toMatch(
      /unparsed verdicts: 10 given order, 0 swapped order; 10 pairs count as wrong/,
    );
  });

  it('refuses judgments not aligned with the pairs', () => {
    expect(() =>
      scorePairwiseSuite(data, { protocol: 'pairwise', given: given.slice(1), swapped }, { judge }),
    ).toThrow(/1391\/1392 judgments for 1392 pairs/);
  });

  it('a perfectly position-biased judge: always "first" gives consistency 0 and first rate 100', () => {
    const always = given.map((): Verdict => 'first');
    const r = scorePairwiseSuite(data, { protocol: 'pairwise', given: always, swapped: always }, { judge });
    expect(r.overall.agreement).toBe(0);
    expect(r.overall.consistency).toBe(0);
    expect(r.overall.firstRate).toBe(100);
    expect(r.overall.positionBias).toMatchObject({ firstBoth: 1392, secondBoth: 0 });
  });

  it('an oracle judge (the label in both orders) scores 100 / 100', () => {
    const back = { first: 'second', second: 'first', tie: 'tie' } as const;
    const r = scorePairwiseSuite(
      data,
      {
        protocol: 'pairwise',
        given: data.pairs.map((p) => p.label),
        swapped: data.pairs.map((p) => back[p.label]),
      },
      { judge, bootstrap: { resamples: 50, seed: 3 } },
    );
    expect(r.overall.agreement).toBe(100);
    expect(r.overall.consistency).toBe(100);
    expect(r.overall.agreementCi95).toEqual([100, 100]);
    expect(r.groups.every((g) => g.agreement === 100)).toBe(true);
  });
});

describe('single protocol scoring', () => {
  // Ratings that reproduce the label: response 1 gets 8, response 2 gets 8 (tie), 7 or 9.
  const ratingsFor = (label: Verdict) =>
    label === 'first'
      ? { first: 8, second: 7 }
      : label === 'second'
        ? { first: 7, second: 8 }
        : { first: 8, second: 8 };

  it('scores agreement only; consistency is null with a note, never 0', () => {
    const ratings = data.pairs.map((p) => ratingsFor(p.label));
    const r = scorePairwiseSuite(
      data,
      { protocol: 'single', ratings },
      { judge, bootstrap: { resamples: 20, seed: 1 } },
    );
    expect(r.protocol).toBe('single');
    expect(r.judge.tieMargin).toBe(0);
    expect(r.overall.agreement).toBe(100);
    expect(r.overall.consistency).toBeNull();
    expect(r.overall.consistencyNote).toMatch(/not applicable/);
    expect(r.overall.consistencyCi95).toBeNull();
    expect(r.overall.positionBias).toBeNull();
    expect(r.groups.every((g) => g.consistency === null && g.agreement === 100)).toBe(true);
    expect(r.scenarios.every((s) => s.consistency === null)).toBe(true);
    expect(r.notes.join(' ')).toMatch(/consistency not applicable/);
    const json = JSON.parse(JSON.stringify(r)) as { overall: { consistency: unknown } };
    expect(json.overall.consistency).toBeNull();
  });

  it('uses the tie margin: a 1-point gap becomes a tie with margin 1', () => {
    const ratings = data.pairs.map((p) => ratingsFor(p.label));
    const r = scorePairwiseSuite(data, { protocol: 'single', ratings, tieMargin: 1 }, { judge });
    expect(r.judge.tieMargin).toBe(1);
    // every verdict is now a tie: only the tie-labelled pairs agree
    expect(r.overall.agreement).toBeCloseTo((100 * 373) / 1392, 10);
    expect(r.overall.tieRate).toBe(100);
    expect(r.overall.confusion.counts.map((row) => row[2])).toEqual([520, 499, 373]);
  });

  it('counts a missing rating as no verdict: wrong, and reported', () => {
    const ratings = data.pairs.map((p, i) => (i < 5 ? { first: null, second: 7 } : ratingsFor(p.label)));
    const r = scorePairwiseSuite(data, { protocol: 'single', ratings }, { judge });
    expect(r.overall.agreement).toBeCloseTo((100 * 1387) / 1392, 10);
    expect(r.overall.unparsed).toEqual({ given: 5, swapped: null, pairs: 5 });
  });

  it('prints n/a for consistency in the table', () => {
    const ratings = data.pairs.map((p) => ratingsFor(p.label));
    const table = formatPairwiseTable(scorePairwiseSuite(data, { protocol: 'single', ratings }, { judge }));
    expect(table).toMatch(/^Overall\s+100\.00\s+n\/a\s+1392$/m);
    expect(table).toMatch(/^Summarization\s+100\.00\s+n\/a\s+72$/m);
    expect(table).toMatch(/position bias: n\/a/);
    expect(table).not.toMatch(/consistency.*0\.00/);
  });
});

describe('swapTask', () => {
  it('exchanges the two responses and keeps the instruction', () => {
    const t = data.pairs[0]!.task;
    const s = swapTask(t);
    expect(s).toEqual({ protocol: 'pairwise', instruction: t.instruction, first: t.second, second: t.first });
    expect(swapTask(s)).toEqual(t);
  });
});
