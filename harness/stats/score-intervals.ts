import {
  bootstrapItemMeans,
  percentileInterval,
  type BootstrapOptions,
  type Interval,
  type ScoreMatrix,
} from './bootstrap.js';

/** One model's score and rank with their bootstrap intervals. */
export interface ModelScoreInterval {
  /** mean over the model's valid items; NaN (with `reason`) when it has none */
  readonly score: number;
  /** the model's valid items */
  readonly n: number;
  /** percentile interval (2.5, 97.5 at level 0.95) of the replicate means */
  readonly ci95: Interval;
  /** rank of `score` among the models with a score (1 = best), ties sharing their average rank */
  readonly rank: number;
  /** percentile interval of the replicate ranks (ranks recomputed in every replicate) */
  readonly rankCi95: Interval;
  /**
   * Mean and variance (population, ddof 0, as numpy's np.var) of the replicate means: the
   * predicted distribution of the score that Arena-Hard's pair-rank Brier score takes
   * (reference-agreement.ts). NaN without defined replicates.
   */
  readonly replicateMean: number;
  readonly replicateVariance: number;
  readonly reason?: string;
}

export interface ScoreIntervalOptions extends BootstrapOptions {
  /** true (default): the highest score ranks 1 */
  readonly higherIsBetter?: boolean;
}

/**
 * Per-model bootstrap intervals for score and rank over a models x items matrix (the
 * judge's per-instruction ratings; invalid cells are missing and left out of the means).
 *
 * Each replicate draws the items with replacement, the SAME draw for every model (the
 * instructions are shared: bootstrapItemMeans), recomputes every model's mean over its
 * valid drawn items, and ranks the models with a defined mean among themselves: rank 1 is
 * the best, tied means share the average of the ranks they span (scipy.stats.rankdata's
 * 'average'). A model with no valid drawn item has no mean and no rank in that replicate
 * (NaN, left out of its percentiles; the interval is null if more than half are missing).
 * Rank bounds interpolate linearly like numpy.percentile, so they can be fractional.
 *
 * Memory: the matrix plus two resamples x models arrays of replicates; no resampled
 * matrix is ever built (230 models x 805 items x 1,000 resamples: about 4 MB).
 */
export function scoreAndRankIntervals(
  matrix: ScoreMatrix,
  options: ScoreIntervalOptions,
): ModelScoreInterval[] {
  const { models, items, values, valid } = matrix;
  const sign = options.higherIsBetter === false ? -1 : 1;
  const scores = new Float64Array(models);
  const counts = new Uint32Array(models);
  for (let m = 0; m < models; m++) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < items; i++) {
      const c = m * items + i;
      if (valid[c] === 1) {
        sum += values[c]!;
        n++;
      }
    }
    counts[m] = n;
    scores[m] = n > 0 ? sum / n : NaN;
  }
  const ranks = averageRanks(scores, sign);

  const resamples = options.resamples;
  const scoreReplicates = new Float64Array(resamples * models);
  const rankReplicates = new Float64Array(resamples * models);
  if (resamples > 0) {
    bootstrapItemMeans(
      matrix,
      (means, r) => {
        scoreReplicates.set(means, r * models);
        rankReplicates.set(averageRanks(means, sign), r * models);
      },
      options,
    );
  }

  const out: ModelScoreInterval[] = [];
  const column = new Array<number>(resamples);
  for (let m = 0; m < models; m++) {
    if (counts[m] === 0) {
      out.push({
        score: NaN,
        n: 0,
        ci95: null,
        rank: NaN,
        rankCi95: null,
        replicateMean: NaN,
        replicateVariance: NaN,
        reason: 'no valid item',
      });
      continue;
    }
    for (let r = 0; r < resamples; r++) column[r] = scoreReplicates[r * models + m]!;
    const { mean, variance } = meanAndVariance(column);
    const ci95 = resamples > 0 ? percentileInterval(column, options.level) : null;
    for (let r = 0; r < resamples; r++) column[r] = rankReplicates[r * models + m]!;
    const rankCi95 = resamples > 0 ? percentileInterval(column, options.level) : null;
    out.push({
      score: scores[m]!,
      n: counts[m]!,
      ci95,
      rank: ranks[m]!,
      rankCi95,
      replicateMean: mean,
      replicateVariance: variance,
    });
  }
  return out;
}

/**
 * Ranks of the finite values, 1 for the best (the largest when sign is 1, the smallest
 * when -1), ties sharing the average of the ranks they span; NaN for a non-finite value.
 */
export function averageRanks(values: ArrayLike<number>, sign: 1 | -1 = 1): Float64Array {
  const order: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) order.push(i);
  order.sort((a, b) => sign * (values[b]! - values[a]!));
  const ranks = new Float64Array(values.length).fill(NaN);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const shared = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]!] = shared;
    start = end;
  }
  return ranks;
}

/** Mean and population variance of the finite values; NaN for none. */
function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  let n = 0;
  let sum = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      n++;
      sum += v;
    }
  }
  if (n === 0) return { mean: NaN, variance: NaN };
  const mean = sum / n;
  let ss = 0;
  for (const v of values) if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  return { mean, variance: ss / n };
}
