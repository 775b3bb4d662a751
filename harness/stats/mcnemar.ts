import { binomialCdf, chiSquare1Sf } from './normal.js';

export interface McNemar {
  /** pairs both judges were scored on (the others take no part) */
  readonly n: number;
  /** pairs the first judge got right and the second wrong */
  readonly firstOnly: number;
  /** pairs the second judge got right and the first wrong */
  readonly secondOnly: number;
  /**
   * Exact two-sided p-value: 2 * P(X <= min(firstOnly, secondOnly)), X ~ Binomial(firstOnly
   * + secondOnly, 1/2), capped at 1 (so 1 when no pair is discordant). The one to report:
   * exact for every count, and statsmodels' default. NaN (with reason) without pairs.
   */
  readonly p: number;
  /** chi-square statistic with continuity correction, (|b - c| - 1)^2 / (b + c); NaN if b + c = 0 */
  readonly chiSquare: number;
  /** its p-value on one degree of freedom: the large-sample approximation, for comparison */
  readonly chiSquareP: number;
  readonly reason?: string;
}

/**
 * McNemar's test between two judges' correctness on the same items (pairs of responses):
 * does one get right significantly more often what the other gets wrong? Only the
 * discordant items count. Both forms as statsmodels.stats.contingency_tables.mcnemar
 * computes them (exact=True: the binomial; exact=False, correction=True: the corrected
 * chi-square, where b = c gives (0 - 1)^2 / (b + c), not 0, as there). An item either
 * judge has no score for (null) takes no part: to count a missing verdict as wrong, pass
 * false for it.
 */
export function mcnemar(first: readonly (boolean | null)[], second: readonly (boolean | null)[]): McNemar {
  if (first.length !== second.length)
    throw new RangeError(`paired inputs differ in length: ${first.length} and ${second.length}`);
  let n = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < first.length; i++) {
    const x = first[i];
    const y = second[i];
    if (x === null || x === undefined || y === null || y === undefined) continue;
    n++;
    if (x && !y) b++;
    else if (!x && y) c++;
  }
  if (n === 0) {
    return {
      n,
      firstOnly: 0,
      secondOnly: 0,
      p: NaN,
      chiSquare: NaN,
      chiSquareP: NaN,
      reason: 'no item scored for both judges',
    };
  }
  const discordant = b + c;
  const p = Math.min(1, 2 * binomialCdf(Math.min(b, c), discordant, 0.5));
  if (discordant === 0) {
    return {
      n,
      firstOnly: b,
      secondOnly: c,
      p,
      chiSquare: NaN,
      chiSquareP: NaN,
      reason: 'no discordant item: the judges are right and wrong on the same items',
    };
  }
  const chiSquare = (Math.abs(b - c) - 1) ** 2 / discordant;
  return { n, firstOnly: b, secondOnly: c, p, chiSquare, chiSquareP: chiSquare1Sf(chiSquare) };
}
