import { bootstrapUnits, percentileInterval, type BootstrapOptions, type Interval } from './bootstrap.js';

export interface Kappa {
  /** Cohen's kappa, -1..1; NaN (with `reason`) when undefined */
  readonly value: number;
  /** items both raters labelled (the others take no part) */
  readonly n: number;
  /** observed agreement p_o, 0..1 */
  readonly observed: number;
  /** agreement expected by chance from the two raters' marginals, p_e, 0..1 */
  readonly expected: number;
  /** percentile interval from a bootstrap over the items; null without `bootstrap` */
  readonly ci95: Interval;
  readonly reason?: string;
}

/**
 * Cohen's kappa between two raters on the same items: (p_o - p_e) / (1 - p_e), p_o the
 * share of items they label alike, p_e = sum over labels of the product of the two
 * raters' shares of that label. As scikit-learn's `cohen_kappa_score` (unweighted),
 * for any label set: the 3-way verdicts first / second / tie, or binary labels (decisive
 * verdicts only, or correct / wrong). An item either rater left unlabelled (null) takes
 * no part. Undefined (NaN) without items, and when p_e = 1 (both raters give one and the
 * same label to everything), where scikit-learn divides 0 by 0.
 *
 * With `bootstrap`, the interval resamples the labelled items (bootstrapUnits, seeded).
 */
export function cohenKappa<T extends string | number | boolean>(
  first: readonly (T | null)[],
  second: readonly (T | null)[],
  options: { bootstrap?: BootstrapOptions } = {},
): Kappa {
  if (first.length !== second.length)
    throw new RangeError(`paired inputs differ in length: ${first.length} and ${second.length}`);
  // labels as small integers, so the bootstrap counts with typed arrays
  const codes = new Map<T, number>();
  const code = (v: T) => {
    let c = codes.get(v);
    if (c === undefined) codes.set(v, (c = codes.size));
    return c;
  };
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < first.length; i++) {
    const x = first[i];
    const y = second[i];
    if (x === null || x === undefined || y === null || y === undefined) continue;
    a.push(code(x));
    b.push(code(y));
  }
  const n = a.length;
  if (n === 0)
    return {
      value: NaN,
      n,
      observed: NaN,
      expected: NaN,
      ci95: null,
      reason: 'no item labelled by both raters',
    };
  const labels = codes.size;
  const point = kappaOf(a, b, labels, null);
  let ci95: Interval = null;
  if (options.bootstrap && options.bootstrap.resamples > 0 && Number.isFinite(point.value)) {
    const replicates = bootstrapUnits(n, (idx) => kappaOf(a, b, labels, idx).value, options.bootstrap);
    ci95 = percentileInterval(replicates, options.bootstrap.level);
  }
  const out = { value: point.value, n, observed: point.observed, expected: point.expected, ci95 };
  return Number.isFinite(point.value)
    ? out
    : { ...out, reason: 'chance agreement is 1: both raters give one and the same label to every item' };
}

function kappaOf(
  a: readonly number[],
  b: readonly number[],
  labels: number,
  idx: Uint32Array | null,
): { value: number; observed: number; expected: number } {
  const n = idx ? idx.length : a.length;
  const rowA = new Float64Array(labels);
  const rowB = new Float64Array(labels);
  let same = 0;
  for (let k = 0; k < n; k++) {
    const i = idx ? idx[k]! : k;
    rowA[a[i]!]! += 1;
    rowB[b[i]!]! += 1;
    if (a[i] === b[i]) same++;
  }
  let expected = 0;
  for (let l = 0; l < labels; l++) expected += (rowA[l]! / n) * (rowB[l]! / n);
  const observed = same / n;
  const value = expected === 1 ? NaN : (observed - expected) / (1 - expected);
  return { value, observed, expected };
}
