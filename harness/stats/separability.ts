import type { Interval } from './bootstrap.js';

/** A share of model pairs (0..1, not percent), with the pairs it is taken over. */
export interface PairShare {
  /** NaN (with `reason`) when there is no pair to count */
  readonly value: number;
  /** models taking part */
  readonly n: number;
  /** the denominator: pairs counted */
  readonly pairs: number;
  /** the numerator (agreement with confidence: a sum of 1 and 0.5 credits) */
  readonly hits: number;
  readonly reason?: string;
}

/**
 * Separability with confidence, as Arena-Hard defines it: the share of model pairs whose
 * intervals do not overlap, 1 - overlapping pairs / C(n, 2). Source: lmarena/arena-hard-auto
 * notebook/benchmark_statistics.ipynb, `get_unique_overlapping_interval_pairs` and
 * `print_overlap_count` ("Confidence: 100 - overlap%"), commit
 * bd52a78991225700e9b8403f3e1f3cd4a6b45141 (the notebook was retired for a Colab copy
 * in a06dde2).
 *
 * Upstream sorts by lower bound and counts a pair as overlapping when the later interval
 * starts strictly before the earlier one ends, so intervals that only touch are disjoint.
 * Here the same test, made symmetric: a and b overlap when a.lo < b.hi and b.lo < a.hi.
 * The two differ only for an interval of zero width at the very lower bound of another,
 * which upstream counts either way depending on the input order. Upstream also skips a
 * pair whose two intervals equal those of a pair already counted (its list holds interval
 * values, not models); here every model pair counts once.
 *
 * Models without an interval (null) take no part.
 */
export function separability(intervals: readonly Interval[]): PairShare {
  const defined = intervals.filter((iv): iv is readonly [number, number] => iv !== null);
  return shareOfPairs(
    defined.length,
    (a, b) => !(defined[a]![0] < defined[b]![1] && defined[b]![0] < defined[a]![1]),
    'models with an interval',
  );
}

/**
 * The share of the C(n, 2) pairs (a < b) of n models for which `hit` holds; NaN with a
 * reason naming `models` below two.
 */
export function shareOfPairs(n: number, hit: (a: number, b: number) => boolean, models: string): PairShare {
  const pairs = (n * (n - 1)) / 2;
  if (pairs === 0) return { value: NaN, n, pairs, hits: 0, reason: `needs at least 2 ${models}, got ${n}` };
  let hits = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) if (hit(a, b)) hits++;
  }
  return { value: hits / pairs, n, pairs, hits };
}
