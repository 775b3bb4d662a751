import type { Interval } from './bootstrap.js';
import { normalCdf, normalQuantile } from './normal.js';
import { shareOfPairs, type PairShare } from './separability.js';

/**
 * How a judge's ranking of models agrees with a reference leaderboard's, pair by pair, as
 * Arena-Hard defines it. Source of every definition here: lmarena/arena-hard-auto
 * notebook/benchmark_statistics.ipynb at commit bd52a78991225700e9b8403f3e1f3cd4a6b45141
 * (sections "Strict Agreement", "Agreement With Confidence" and "Forecasting"; retired
 * for a Colab copy in a06dde2). All inputs are aligned by index: entry i of every array is
 * the same model. Shares are fractions in 0..1, not percent.
 */

/** A reference leaderboard's value for a model and its standard error (same units). */
export interface ReferenceValue {
  readonly value: number;
  readonly standardError: number;
}

/**
 * The reference's interval for each model, value +- z * standard error with z the normal
 * quantile for `level` (1.959963984540054 at 0.95): AlpacaEval publishes standard errors
 * (`standard_error` for `win_rate`, `lc_standard_error` for `length_controlled_winrate`),
 * not the bootstrap intervals Chatbot Arena publishes. null where the value or the error
 * is missing, not finite or negative.
 */
export function referenceIntervals(reference: readonly ReferenceValue[], level = 0.95): Interval[] {
  const z = normalQuantile(1 - (1 - level) / 2);
  return reference.map(({ value, standardError }) =>
    Number.isFinite(value) && Number.isFinite(standardError) && standardError >= 0
      ? ([value - z * standardError, value + z * standardError] as const)
      : null,
  );
}

/**
 * Strict agreement: the share of all model pairs that the judge and the reference order
 * the same way, strictly (a tie on either side counts as a disagreement), over C(n, 2).
 * Models with a non-finite value on either side take no part.
 */
export function strictPairAgreement(judge: readonly number[], reference: readonly number[]): PairShare {
  sameLength(judge, reference);
  const rows = indices(judge.length).filter(
    (i) => Number.isFinite(judge[i]!) && Number.isFinite(reference[i]!),
  );
  return shareOfPairs(
    rows.length,
    (x, y) => {
      const a = rows[x]!;
      const b = rows[y]!;
      const j = Math.sign(judge[a]! - judge[b]!);
      return j !== 0 && j === Math.sign(reference[a]! - reference[b]!);
    },
    'models on both sides',
  );
}

/**
 * Agreement with confidence (upstream's code, `count / total`): over the pairs whose
 * REFERENCE intervals do not overlap, a pair scores 0.5 if the judge's intervals overlap,
 * else 1 if the judge orders the pair as the reference does and 0 if it orders it the
 * other way. Intervals overlap when they share a stretch of positive length
 * (`get_overlap`: max(0, min(hi) - max(lo)) > 0); disjoint intervals are ordered as
 * Python orders (lower, upper) tuples. The Arena-Hard blog post states the same score on
 * a -1..1 scale (+1 agree, -1 disagree, 0 undecided): that figure is 2 * value - 1.
 * Models without an interval on either side take no part.
 */
export function agreementWithConfidence(
  judge: readonly Interval[],
  reference: readonly Interval[],
): PairShare {
  sameLength(judge, reference);
  const rows = indices(judge.length).filter((i) => judge[i] !== null && reference[i] !== null);
  const n = rows.length;
  let pairs = 0;
  let hits = 0;
  for (let x = 0; x < n; x++) {
    for (let y = x + 1; y < n; y++) {
      const ja = judge[rows[x]!]!;
      const jb = judge[rows[y]!]!;
      const ra = reference[rows[x]!]!;
      const rb = reference[rows[y]!]!;
      if (overlapLength(ra, rb) > 0) continue;
      pairs++;
      if (overlapLength(ja, jb) > 0) {
        hits += 0.5;
        continue;
      }
      const j = compareTuples(ja, jb);
      if (j !== 0 && j === compareTuples(ra, rb)) hits++;
    }
  }
  if (pairs === 0) {
    return {
      value: NaN,
      n,
      pairs,
      hits,
      reason:
        n < 2 ? `needs at least 2 models with both intervals, got ${n}` : 'the reference separates no pair',
    };
  }
  return { value: hits / pairs, n, pairs, hits };
}

/** The judge's bootstrap distribution of a model's score and the reference's value for it. */
export interface ForecastModel {
  /** sorts the pairs (upstream takes them in sorted-name order) */
  readonly name: string;
  /** mean and population variance of the bootstrap replicates (scoreAndRankIntervals) */
  readonly mean: number;
  readonly variance: number;
  /** the reference's point value */
  readonly reference: number;
}

export interface BrierScore {
  /** mean squared error of the forecasts, 0..1, lower is better; NaN (with reason) without pairs */
  readonly value: number;
  readonly n: number;
  readonly pairs: number;
  readonly reason?: string;
}

/**
 * Pair-rank Brier score (upstream `calculate_predictions_and_labels`, then scikit-learn's
 * `brier_score_loss`): for every pair (a, b) of models, a before b in sorted-name order,
 * the judge forecasts P(a < b) = Phi((mean_b - mean_a) / sqrt(var_a + var_b)) from the
 * normal approximation of its bootstrap; the outcome is 1 when the reference has
 * a < b strictly, else 0; the score is the mean of (outcome - forecast)^2. Names sort by
 * code point, as Python's sorted(); the order matters only for pairs the reference ties.
 * When both variances are 0 the forecast is the limit: 1, 0, or 0.5 for equal means
 * (upstream's scipy call would give NaN). Models with a non-finite field take no part.
 */
export function pairRankBrier(models: readonly ForecastModel[]): BrierScore {
  const used = models
    .filter(
      (m) =>
        Number.isFinite(m.mean) &&
        Number.isFinite(m.variance) &&
        m.variance >= 0 &&
        Number.isFinite(m.reference),
    )
    .sort((a, b) => compareCodePoints(a.name, b.name));
  const n = used.length;
  const pairs = (n * (n - 1)) / 2;
  if (pairs === 0) return { value: NaN, n, pairs, reason: `needs at least 2 models, got ${n}` };
  let sum = 0;
  for (let x = 0; x < n; x++) {
    for (let y = x + 1; y < n; y++) {
      const a = used[x]!;
      const b = used[y]!;
      const scale = Math.sqrt(a.variance + b.variance);
      const diff = b.mean - a.mean;
      const forecast = scale > 0 ? normalCdf(diff / scale) : diff > 0 ? 1 : diff < 0 ? 0 : 0.5;
      const outcome = a.reference < b.reference ? 1 : 0;
      sum += (outcome - forecast) ** 2;
    }
  }
  return { value: sum / pairs, n, pairs };
}

function overlapLength(a: readonly [number, number], b: readonly [number, number]): number {
  return Math.max(0, Math.min(a[1], b[1]) - Math.max(a[0], b[0]));
}

function compareTuples(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] !== b[0] ? Math.sign(a[0] - b[0]) : Math.sign(a[1] - b[1]);
}

function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function indices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length)
    throw new RangeError(`aligned inputs differ in length: ${a.length} and ${b.length}`);
}
