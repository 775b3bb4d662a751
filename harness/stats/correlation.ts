import { sampleCorrelation, sampleRankCorrelation } from 'simple-statistics';

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
  const ys = Float64Array.from(order, (i) => b[i]!);
  let tiedX = 0;
  let tiedBoth = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && a[order[j]!] === a[order[i]!]) j++;
    tiedX += ((j - i) * (j - i - 1)) / 2;
    // within a run of equal x, y is sorted: its runs are the pairs tied in both
    for (let k = i; k < j;) {
      let l = k + 1;
      while (l < j && ys[l] === ys[k]) l++;
      tiedBoth += ((l - k) * (l - k - 1)) / 2;
      k = l;
    }
    i = j;
  }
  const discordant = mergeSortSwaps(ys);
  let tiedY = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && ys[j] === ys[i]) j++;
    tiedY += ((j - i) * (j - i - 1)) / 2;
    i = j;
  }
  const pairs = (n * (n - 1)) / 2;
  const s = pairs - tiedX - tiedY + tiedBoth - 2 * discordant;
  return s / Math.sqrt((pairs - tiedX) * (pairs - tiedY));
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
  // runs of equal y in that order: [runs[k], runs[k + 1])
  const runs = [0];
  for (let k = 1; k <= n; k++) if (k === n || ys[order[k]!] !== ys[order[k - 1]!]) runs.push(k);
  let tiedY = 0;
  for (let r = 0; r + 1 < runs.length; r++) tiedY += pairsIn(runs[r + 1]! - runs[r]!);
  const pairs = (n * (n - 1)) / 2;
  const none = { spearman: null, kendall: null, pearson: null };
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const xs = new Float64Array(n);
  return (x) => {
    if (x.length !== n) throw new RangeError(`paired inputs differ in length: ${x.length} and ${n}`);
    if (!usable || x.some((v) => !Number.isFinite(v)) || isConstant(x)) return none;
    for (let k = 0; k < n; k++) xs[k] = x[order[k]!]!;
    // within a run of equal y, x ascending; its runs of equal x are the pairs tied in both
    let tiedBoth = 0;
    for (let r = 0; r + 1 < runs.length; r++) {
      const from = runs[r]!;
      const to = runs[r + 1]!;
      if (to - from < 2) continue;
      const run = xs.subarray(from, to).sort();
      tiedBoth += tiedPairs(run);
    }
    const discordant = mergeSortSwaps(xs);
    const tiedX = tiedPairs(xs);
    const s = pairs - tiedX - tiedY + tiedBoth - 2 * discordant;
    return {
      spearman: finite(sampleCorrelation(midranks(x), yRanks)),
      kendall: finite(s / Math.sqrt((pairs - tiedX) * (pairs - tiedY))),
      pearson: finite(sampleCorrelation(x as number[], ys)),
    };
  };
}

/**
 * The rank of each value among `values`, 0-based, ties sharing the mean of the ranks they
 * span, in the input's order: simple-statistics' midranks (private there), with which
 * sampleRankCorrelation is sampleCorrelation(midranks(x), midranks(y)).
 */
export function midranks(values: readonly number[]): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]!] = (i + j) / 2;
    i = j + 1;
  }
  return ranks;
}

/** Pairs among `count` items. */
function pairsIn(count: number): number {
  return (count * (count - 1)) / 2;
}

/** The pairs of equal values in a sorted array. */
function tiedPairs(sorted: Float64Array): number {
  let tied = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
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
