import { sampleCorrelation, sampleRankCorrelation } from 'simple-statistics';
import { averageRanks } from './score-intervals.js';

/**
 * A statistic's value over `n` paired observations. `value` is null when the statistic
 * is undefined for the input (fewer than 3 pairs, a constant side), with the reason.
 */
export interface Estimate {
  readonly value: number | null;
  readonly n: number;
  readonly reason?: string;
}

export type Correlation = (x: ArrayLike<number>, y: ArrayLike<number>) => Estimate;

/** Spearman's rho: Pearson's r of the ranks, tied values sharing their average rank. */
export const spearman: Correlation = (x, y) => guarded(x, y, (a, b) => sampleRankCorrelation(a, b));

/** Pearson's r. */
export const pearson: Correlation = (x, y) => guarded(x, y, (a, b) => sampleCorrelation(a, b));

/**
 * Kendall's tau-b: (concordant - discordant) / sqrt(pairs untied in x * pairs untied in y).
 * Pairs tied in x or y count in neither numerator term, as in scipy.stats.kendalltau.
 * Counted as scipy does (Knight 1966), in O(n log n): the pairs sorted by (x, y), ties
 * counted in runs, and the discordant pairs as the swaps a merge sort of the y values makes.
 * The counts are integers, so the value is exactly that of the O(n^2) definition (tested):
 * a run's bootstrap computes it 1,000 times per reference and figure.
 */
export const kendallTauB: Correlation = (x, y) => guarded(x, y, tauB);

function tauB(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i]! - a[j]! || b[i]! - b[j]!);
  return tauBOfSorted(
    Float64Array.from(order, (i) => b[i]!),
    equalRuns(order, a),
  );
}

/**
 * Kendall's tau-b of pairs (p, q) sorted by (p, q): `qs` the q values in that order (sorted
 * here, in place), `runs` the bounds of the runs of equal p ([runs[k], runs[k + 1])).
 */
function tauBOfSorted(qs: Float64Array, runs: readonly number[]): number {
  let tiedP = 0;
  let tiedBoth = 0;
  for (let r = 0; r + 1 < runs.length; r++) {
    tiedP += pairsIn(runs[r + 1]! - runs[r]!);
    // within a run of equal p, q is sorted: its runs are the pairs tied in both
    tiedBoth += tiedPairs(qs, runs[r]!, runs[r + 1]!);
  }
  const discordant = mergeSortSwaps(qs);
  const tiedQ = tiedPairs(qs);
  const pairs = pairsIn(qs.length);
  const s = pairs - tiedP - tiedQ + tiedBoth - 2 * discordant;
  return s / Math.sqrt((pairs - tiedP) * (pairs - tiedQ));
}

/** The bounds of the runs of equal values of `values` taken in `order`: 0, ..., order.length. */
function equalRuns(order: readonly number[], values: readonly number[]): number[] {
  const runs = [0];
  for (let k = 1; k <= order.length; k++) {
    if (k === order.length || values[order[k]!] !== values[order[k - 1]!]) runs.push(k);
  }
  return runs;
}

/** Sorts `values` ascending (bottom-up merge sort) and returns the pairs it found out of order (equal ones are not). */
function mergeSortSwaps(values: Float64Array): number {
  const n = values.length;
  let from: Float64Array = values;
  let to: Float64Array = new Float64Array(n);
  let swaps = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (from[j]! < from[i]!) {
          swaps += mid - i;
          to[k++] = from[j++]!;
        } else {
          to[k++] = from[i++]!;
        }
      }
      while (i < mid) to[k++] = from[i++]!;
      while (j < hi) to[k++] = from[j++]!;
    }
    [from, to] = [to, from];
  }
  if (from !== values) values.set(from);
  return swaps;
}

export const CORRELATIONS = { spearman, kendall: kendallTauB, pearson } as const;
export type CorrelationName = keyof typeof CORRELATIONS;

/**
 * The three correlations of many x's with one y (a bootstrap's replicates against a
 * reference), each value exactly `CORRELATIONS[name](x, y).value` (tested): what depends on
 * y alone is found once, its midranks (Spearman) and its order and ties (Kendall: the
 * pairs sorted by (y, x), the discordant ones counted as the swaps of a merge sort of the
 * x values, instead of by (x, y) with a comparator each time). A bootstrap of 1,000
 * replicates against three references makes 9,000 of these.
 */
export function correlationsAgainst(
  y: readonly number[],
): (x: readonly number[]) => Record<CorrelationName, number | null> {
  const n = y.length;
  const ys = Array.from(y);
  const usable = n >= 3 && ys.every((v) => Number.isFinite(v)) && !isConstant(ys);
  const yRanks = usable ? midranks(ys) : [];
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => ys[i]! - ys[j]!);
  const runs = equalRuns(order, ys);
  const none = { spearman: null, kendall: null, pearson: null };
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const xs = new Float64Array(n);
  return (x) => {
    if (x.length !== n) throw new RangeError(`paired inputs differ in length: ${x.length} and ${n}`);
    if (!usable || x.some((v) => !Number.isFinite(v)) || isConstant(x)) return none;
    for (let k = 0; k < n; k++) xs[k] = x[order[k]!]!;
    // sorted by (y, x): x ascending within each run of equal y
    for (let r = 0; r + 1 < runs.length; r++) {
      if (runs[r + 1]! - runs[r]! > 1) xs.subarray(runs[r]!, runs[r + 1]!).sort();
    }
    return {
      spearman: finite(sampleCorrelation(midranks(x), yRanks)),
      kendall: finite(tauBOfSorted(xs, runs)),
      pearson: finite(sampleCorrelation(x as number[], ys)),
    };
  };
}

/**
 * The rank of each value among `values`, 0-based, ties sharing the mean of the ranks they
 * span, in the input's order: simple-statistics' midranks (private there), with which
 * sampleRankCorrelation is sampleCorrelation(midranks(x), midranks(y)). averageRanks from
 * the smallest, less one (halves of integers: exact).
 */
export function midranks(values: readonly number[]): number[] {
  return Array.from(averageRanks(values, -1), (rank) => rank - 1);
}

/** Pairs among `count` items. */
function pairsIn(count: number): number {
  return (count * (count - 1)) / 2;
}

/** The pairs of equal values in `sorted[from, to)`, which is sorted. */
function tiedPairs(sorted: Float64Array, from = 0, to = sorted.length): number {
  let tied = 0;
  for (let i = from; i < to;) {
    let j = i + 1;
    while (j < to && sorted[j] === sorted[i]) j++;
    tied += pairsIn(j - i);
    i = j;
  }
  return tied;
}

function guarded(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  compute: (a: number[], b: number[]) => number,
): Estimate {
  if (x.length !== y.length)
    throw new RangeError(`paired inputs differ in length: ${x.length} and ${y.length}`);
  const n = x.length;
  if (n < 3) return { value: null, n, reason: `needs at least 3 pairs, got ${n}` };
  const a = Array.from(x);
  const b = Array.from(y);
  if (a.some((v) => !Number.isFinite(v)) || b.some((v) => !Number.isFinite(v))) {
    return { value: null, n, reason: 'non-finite values' };
  }
  if (isConstant(a) || isConstant(b)) return { value: null, n, reason: 'one side is constant' };
  const value = compute(a, b);
  return Number.isFinite(value) ? { value, n } : { value: null, n, reason: 'undefined for this input' };
}

function isConstant(values: readonly number[]): boolean {
  return values.every((v) => v === values[0]);
}
