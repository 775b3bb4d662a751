/**
 * `--score rating|expected`: which per-model mean ranks the models, the mean of the
 * ratings the judge wrote or of the expected ratings its logprobs imply
 * (harness/judge/generative/expected-rating.ts), and both side by side. No statistics of
 * its own: the expected score is a mean like the rating's (aggregateModel), correlated the
 * same way (correlate.ts).
 */
import { BenchError } from '../../harness/core/errors.js';
import type { Judgment } from '../../harness/core/types.js';
import {
  aggregateModel,
  rankScores,
  type ModelAggregate,
  type ModelScoreVector,
} from '../../harness/aggregate/model-aggregate.js';
import type { Judge } from '../../harness/judge/judge.js';
import { askingForExpectedRatings } from '../../harness/runner/expected-cache.js';
import type { RunOptions } from '../../harness/runner/run-judgments.js';
import type { Reference } from '../../harness/source/references.js';
import { correlateWithBootstrap } from './correlate.js';
import type { ScoreComparison } from './result.js';

export const SCORE_KINDS = ['rating', 'expected'] as const;
export type ScoreKind = (typeof SCORE_KINDS)[number];

/** One model's expected ratings, reduced as its ratings are. */
export interface ExpectedAggregate {
  /** mean expected rating over the judgments that have one; null when none has */
  readonly score: number | null;
  readonly se: number | null;
  /** judgments with an expected rating */
  readonly n: number;
  /** parsed ratings without an expected rating (no usable logprobs in the answer) */
  readonly missing: number;
  /** expected ratings whose "1" was split by the approximation */
  readonly approximated: number;
}

/**
 * The run options of a run scored by `score`: by expected rating, the judge must ask for
 * logprobs, and a stored rating without an expected one is asked again (never scored as
 * missing in silence).
 */
export function runOptionsFor<R extends Pick<RunOptions, 'cache'>>(
  judge: Judge,
  run: R,
  score: ScoreKind,
): R {
  if (score !== 'expected') return run;
  if (judge.mode !== 'remote' || judge.info.scale === undefined || !(judge.topLogprobs! > 0)) {
    throw new BenchError(
      `--score expected: judge ${judge.info.name} does not ask for logprobs at a rating (a rating judge with top_logprobs in its profile does, docs/judges.md)`,
      { exitCode: 2 },
    );
  }
  return run.cache ? { ...run, cache: askingForExpectedRatings(run.cache) } : run;
}

/** The expected ratings of one model's judgments (`positions` as for aggregateModel). */
export function aggregateExpected(
  judgments: readonly Judgment[],
  positions: readonly number[],
  items: number,
): { aggregate: ExpectedAggregate; vector: ModelScoreVector } {
  let missing = 0;
  let approximated = 0;
  const expected: Judgment[] = judgments.map((j) => {
    if (j.kind !== 'ok' || j.rating === undefined) return j;
    const e = j.expected;
    if (e === undefined || e.value === null) {
      missing++;
      return { kind: 'unparsed', reason: 'no expected rating' };
    }
    if (e.approximated) approximated++;
    return { kind: 'ok', rating: e.value };
  });
  const { aggregate, vector } = aggregateModel(expected, positions, items);
  return {
    aggregate: { score: aggregate.score, se: aggregate.se, n: aggregate.parsed, missing, approximated },
    vector,
  };
}

interface Judged {
  readonly model: string;
  readonly aggregate: ModelAggregate;
  readonly vector: ModelScoreVector;
  readonly expected: { readonly aggregate: ExpectedAggregate; readonly vector: ModelScoreVector };
}

/** Both scores of every model, their ranks, and the chosen one as what ranks the models. */
export function chooseScores(judged: readonly Judged[], score: ScoreKind) {
  const ratingScores = judged.map((j) => j.aggregate.score);
  const expectedScores = judged.map((j) => j.expected.aggregate.score);
  const ratingRanks = rankScores(ratingScores);
  const expectedRanks = rankScores(expectedScores);
  const byExpected = score === 'expected';
  return {
    scored: judged.map((j, i) => ({
      model: j.model,
      score: byExpected ? expectedScores[i]! : ratingScores[i]!,
      se: byExpected ? j.expected.aggregate.se : j.aggregate.se,
      vector: byExpected ? j.expected.vector : j.vector,
    })),
    ranks: byExpected ? expectedRanks : ratingRanks,
    perModel: judged.map((j, i) => ({
      ratingScore: ratingScores[i]!,
      expectedScore: expectedScores[i]!,
      ratingRank: ratingRanks[i]!,
      expectedRank: expectedRanks[i]!,
      expectedRatings: j.expected.aggregate.n,
      expectedMissing: j.expected.aggregate.missing,
      expectedApproximated: j.expected.aggregate.approximated,
    })),
  };
}

/**
 * Both rankings' correlations with every reference, on the same resamples: the chosen
 * score's are the run's `correlations`, the other's are computed here.
 */
export function compareScores(
  judged: readonly Judged[],
  score: ScoreKind,
  chosen: ScoreComparison['rating'],
  references: readonly Reference[],
  bootstrap: { resamples: number; seed: number; items: number },
): ScoreComparison {
  const other: ScoreKind = score === 'expected' ? 'rating' : 'expected';
  const models = judged.map((j) => ({
    model: j.model,
    ...(other === 'expected'
      ? { score: j.expected.aggregate.score, vector: j.expected.vector }
      : { score: j.aggregate.score, vector: j.vector }),
  }));
  const withExpected = judged.filter((j) => j.expected.aggregate.score !== null).length;
  const correlations =
    other === 'expected' && withExpected === 0 ? null : correlateWithBootstrap(models, references, bootstrap);
  const missing = judged.reduce((n, j) => n + j.expected.aggregate.missing, 0);
  return {
    score,
    rating: score === 'rating' ? chosen : correlations!,
    expected: score === 'expected' ? chosen : correlations,
    modelsWithExpected: withExpected,
    expectedMissing: missing,
    ...(withExpected === 0
      ? { reason: 'no expected ratings: the judge asked for no logprobs, or the server returned none' }
      : {}),
  };
}
