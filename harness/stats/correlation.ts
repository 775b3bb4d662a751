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
 * O(n^2): leaderboards have a few hundred models, and this keeps the definition plain.
 */
export const kendallTauB: Correlation = (x, y) =>
  guarded(x, y, (a, b) => {
    const n = a.length;
    let s = 0;
    let untiedX = 0;
    let untiedY = 0;
    for (let i = 0; i < n; i++) {
      const ai = a[i]!;
      const bi = b[i]!;
      for (let j = i + 1; j < n; j++) {
        const aj = a[j]!;
        const bj = b[j]!;
        const dx = ai > aj ? 1 : ai < aj ? -1 : 0;
        const dy = bi > bj ? 1 : bi < bj ? -1 : 0;
        untiedX += dx & 1;
        untiedY += dy & 1;
        s += dx * dy;
      }
    }
    return s / Math.sqrt(untiedX * untiedY);
  });

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
