import { bootstrapUnits, percentileInterval, type Interval } from './bootstrap.js';
import { CORRELATIONS, type CorrelationName } from './correlation.js';

export interface PairedStatistic {
  readonly value: number | null;
  readonly ci95: Interval;
  readonly reason?: string;
}

/**
 * Spearman, Kendall tau-b and Pearson of paired values, each with a percentile interval
 * from a bootstrap over the pairs (for `bench correlate`: resampling models).
 */
export function correlatePairs(
  x: readonly number[],
  y: readonly number[],
  options: { resamples: number; seed: number },
): Record<CorrelationName, PairedStatistic> & { n: number } {
  const names = Object.keys(CORRELATIONS) as CorrelationName[];
  const out = { n: x.length } as Record<CorrelationName, PairedStatistic> & { n: number };
  for (const name of names) {
    const point = CORRELATIONS[name](x, y);
    let ci95: Interval = null;
    if (point.value !== null && options.resamples > 0) {
      const a = new Float64Array(x.length);
      const b = new Float64Array(y.length);
      const replicates = bootstrapUnits(
        x.length,
        (idx) => {
          idx.forEach((i, k) => {
            a[k] = x[i]!;
            b[k] = y[i]!;
          });
          return CORRELATIONS[name](a, b).value ?? NaN;
        },
        options,
      );
      ci95 = percentileInterval(replicates);
    }
    out[name] =
      point.reason !== undefined
        ? { value: point.value, ci95, reason: point.reason }
        : { value: point.value, ci95 };
  }
  return out;
}
