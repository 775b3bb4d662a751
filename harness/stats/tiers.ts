import type { Interval } from './bootstrap.js';

/**
 * Significance tiers as Arena-Hard-Auto's leaderboard is presented: its "Rank* (UB)"
 * column, one plus the number of models that are statistically better, where model B is
 * statistically better than model A when B's lower bound is greater than A's upper bound.
 * Source: lm-sys/FastChat, fastchat/serve/monitor/monitor.py, `arena_hard_process` and
 * `recompute_final_ranking` (commit 009d7d554f2dec59b684deb726aca232d9cbbcf2; the table
 * columns there are `rating_q025` / `rating_q975`, the 95% bounds). Arena-Hard-Auto's own
 * repository prints only score and interval and defines no tiers.
 *
 * So models share a tier when nobody separates them from the top in the same way: two
 * models whose intervals overlap can still sit in different tiers (a third model may be
 * separated from one and not the other), exactly as on that leaderboard.
 *
 * A model without an interval (null) gets no tier (null) and separates nobody.
 */
export function upperBoundRanks(intervals: readonly Interval[]): (number | null)[] {
  const lowers = intervals
    .filter((iv): iv is readonly [number, number] => iv !== null)
    .map((iv) => iv[0])
    .sort((a, b) => a - b);
  return intervals.map((iv) => {
    if (iv === null) return null;
    // models whose lower bound is strictly above this upper bound (searchsorted, side right)
    return 1 + lowers.length - upperBound(lowers, iv[1]);
  });
}

/** The number of sorted values <= x. */
function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
