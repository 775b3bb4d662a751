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
