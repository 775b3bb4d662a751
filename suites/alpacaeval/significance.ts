/**
 * Which differences between models are real, and how the judge's ranking agrees with a
 * reference pair by pair: wiring of harness/stats (score-intervals, tiers, separability,
 * reference-agreement) into the AlpacaEval result. No arithmetic here beyond alignment.
 */
import type { ModelScoreVector } from '../../harness/aggregate/model-aggregate.js';
import type { Reference } from '../../harness/source/references.js';
import type { Interval } from '../../harness/stats/bootstrap.js';
import {
  agreementWithConfidence,
  pairRankBrier,
  referenceIntervals,
  strictPairAgreement,
} from '../../harness/stats/reference-agreement.js';
import { scoreAndRankIntervals } from '../../harness/stats/score-intervals.js';
import { separability, type PairShare } from '../../harness/stats/separability.js';
import { upperBoundRanks } from '../../harness/stats/tiers.js';
import { scoreMatrix } from './correlate.js';
import type {
  ModelInterval,
  PairShareResult,
  ReferenceAgreementResult,
  SignificanceResult,
} from './result.js';

interface ScoredModel {
  readonly model: string;
  readonly score: number | null;
  readonly vector: ModelScoreVector;
}

export const SIGNIFICANCE_DEFINITIONS = {
  scoreCi95:
    "95% percentile bootstrap interval of the model's score: instructions resampled with replacement, the same resamples (seed, count) for every model and for the correlations",
  rankCi95: 'the same resamples, ranks recomputed among the scored models in each (1 = best, ties averaged)',
  tier: "significance tier as Arena-Hard's leaderboard shows it (Rank UB): 1 + the number of models whose lower bound is above this model's upper bound",
  separability:
    'share of model pairs whose score intervals do not overlap (Arena-Hard: separability with confidence)',
  agreementWithConfidence:
    "over the model pairs the reference's intervals (value +- 1.96 standard errors) separate: 1 when the judge's intervals are disjoint and ordered the same way, 0.5 when they overlap, 0 when ordered the other way (Arena-Hard); 0..1",
  brier:
    "pair-rank Brier score (Arena-Hard): the judge forecasts P(a below b) from the normal approximation of its bootstrap, the outcome is the reference's order; mean squared error, 0..1, lower is better",
  strictPairs:
    'share of all model pairs the judge orders strictly as the reference does (a tie on either side disagrees)',
} as const;

export interface ModelSignificance {
  /** per input model, aligned; undefined for a model without a score */
  readonly perModel: readonly (ModelInterval | undefined)[];
  readonly significance: SignificanceResult;
  readonly referenceAgreement: readonly ReferenceAgreementResult[];
}

export function modelSignificance(
  models: readonly ScoredModel[],
  references: readonly Reference[],
  options: { resamples: number; seed: number; items: number },
): ModelSignificance {
  const rows = models.flatMap((m, i) => (m.score === null ? [] : [i]));
  const matrix = scoreMatrix(
    rows.map((row) => models[row]!.vector),
    options.items,
  );
  const intervals = scoreAndRankIntervals(matrix, { resamples: options.resamples, seed: options.seed });
  const tiers = upperBoundRanks(intervals.map((iv) => iv.ci95));
  const perModel: (ModelInterval | undefined)[] = models.map(() => undefined);
  rows.forEach((row, k) => {
    perModel[row] = { scoreCi95: intervals[k]!.ci95, rankCi95: intervals[k]!.rankCi95, tier: tiers[k]! };
  });

  const referenceAgreement = references.map((ref): ReferenceAgreementResult => {
    const both = rows.flatMap((row, k) => {
      const value = ref.scores.get(models[row]!.model);
      return value === undefined ? [] : [{ k, name: models[row]!.model, value }];
    });
    const judgeScores = both.map((b) => intervals[b.k]!.score);
    const withError = both.filter((b) => ref.standardErrors?.has(b.name));
    const confidence: PairShareResult = ref.standardErrors
      ? share(
          agreementWithConfidence(
            withError.map((b) => intervals[b.k]!.ci95),
            referenceIntervals(
              withError.map((b) => ({ value: b.value, standardError: ref.standardErrors!.get(b.name)! })),
            ) as Interval[],
          ),
        )
      : { value: null, n: 0, pairs: 0, hits: 0, reason: 'the reference has no standard errors' };
    const brier = pairRankBrier(
      both.map((b) => ({
        name: b.name,
        mean: intervals[b.k]!.replicateMean,
        variance: intervals[b.k]!.replicateVariance,
        reference: b.value,
      })),
    );
    return {
      reference: ref.name,
      n: both.length,
      errorColumn: ref.errorColumn ?? null,
      agreementWithConfidence: confidence,
      brier: {
        value: finite(brier.value),
        n: brier.n,
        pairs: brier.pairs,
        ...(brier.reason === undefined ? {} : { reason: brier.reason }),
      },
      strictPairs: share(
        strictPairAgreement(
          judgeScores,
          both.map((b) => b.value),
        ),
      ),
    };
  });

  return {
    perModel,
    significance: {
      resamples: options.resamples,
      seed: options.seed,
      separability: share(separability(intervals.map((iv) => iv.ci95))),
      definitions: SIGNIFICANCE_DEFINITIONS,
    },
    referenceAgreement,
  };
}

function share(s: PairShare): PairShareResult {
  return {
    value: finite(s.value),
    n: s.n,
    pairs: s.pairs,
    hits: s.hits,
    ...(s.reason === undefined ? {} : { reason: s.reason }),
  };
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
