import {
  activeReplicateMemo,
  arraysDigest,
  percentileInterval,
  planIndices,
  resamplePlan,
  type BootstrapOptions,
  type Interval,
  type ResamplePlan,
} from './bootstrap.js';
import { tabulatedTanh } from './tabulated-tanh.js';

/**
 * A length-controlled score for single ratings, after AlpacaEval 2's length-controlled win
 * rate (tatsu-lab/alpaca_eval src/alpaca_eval/metrics/glm_winrate.py, commit
 * cd543a149df89434d8a54582c0151c0b945c3d20). Upstream, for one model against the
 * baseline, per instruction:
 *
 *   std_delta_len = (len(output_1) - len(output_2)) / std(len(output_1) - len(output_2))
 *
 * (output_1 the baseline's, lengths in characters, pandas' std with ddof 1 over the
 * model's instructions), fits a logistic regression of the judge's preference on
 * `np.tanh(std_delta_len) + instruction_difficulty + not_gamed_baseline - 1` and predicts
 * every instruction's preference with std_delta_len = 0: the win rate had the model's
 * outputs been as long as the baseline's. Its `length_controlled_minimal` variant drops
 * the instruction difficulty, which leaves an intercept and the tanh term.
 *
 * A rating is not a preference, so the analogue here is that minimal model fitted by
 * ordinary least squares, one model at a time:
 *
 *   d_i = len(model output_i) - len(baseline output_i),  z_i = d_i / sd(d)  (ddof 1)
 *   rating_i = a + b * tanh(z_i) + e_i
 *   length-controlled score = a  (the fit at zero length difference, tanh(0) = 0)
 *
 * The sign of d is the reverse of upstream's; it flips b, never a. The instruction
 * difficulty term is left out: it is fitted upstream from other models' annotations,
 * and in a linear model it would only shift every model by the same amount.
 * `standardError` is the OLS standard error of a (scipy.stats.linregress'
 * `intercept_stderr`); `ci95` a percentile interval from a bootstrap over the items that
 * refits the whole thing, standardisation included, in every replicate.
 *
 * When every output is exactly as long as the baseline's (the baseline itself), the score
 * is the plain mean (with `note`). When every length difference is the same non-zero
 * number, there is nothing to fit the slope from: NaN with the reason.
 */

export interface LengthControlInput {
  /** the judge's rating of the model's output, per item (NaN: missing) */
  readonly ratings: ArrayLike<number>;
  /** the model's output length per item, in characters (code points: codePointLength) */
  readonly modelLengths: ArrayLike<number>;
  /** the baseline's output length for the same instruction */
  readonly baselineLengths: ArrayLike<number>;
}

export interface LengthControlled {
  /** the length-controlled score, on the rating's scale; NaN (with `reason`) when undefined */
  readonly value: number;
  /** items used: a finite rating and both lengths */
  readonly n: number;
  /** the mean rating over the same items, for comparison */
  readonly raw: number;
  /** b: the change in rating from tanh(z) = 0 to 1 (about 1.3 standard deviations longer) */
  readonly slope: number;
  readonly standardError: number;
  readonly ci95: Interval;
  /** sd of the length differences, in characters */
  readonly sdLengthDifference: number;
  readonly note?: string;
  readonly reason?: string;
}

export function lengthControlledScore(
  input: LengthControlInput,
  options: { bootstrap?: BootstrapOptions } = {},
): LengthControlled {
  const { y, d } = usedItems(input);
  const n = y.length;
  const raw = n > 0 ? mean(y) : NaN;
  const point = fit(y, d, null);
  let ci95: Interval = null;
  if (options.bootstrap && options.bootstrap.resamples > 0 && Number.isFinite(point.value)) {
    const ys = Float64Array.from(y);
    const dsArr = Float64Array.from(d);
    const { resamples } = options.bootstrap;
    const memo = activeReplicateMemo();
    const id = replicateId(ys, dsArr, options.bootstrap);
    let replicates = memo?.recall([id]).get(id);
    if (replicates?.length !== resamples) {
      // the draws of bootstrapUnits, shared by every model with as many items (resamplePlan)
      const plan = resamplePlan(n, options.bootstrap);
      const computed = new Float64Array(plan.resamples);
      for (let r = 0; r < plan.resamples; r++) computed[r] = replicateIntercept(ys, dsArr, plan, r);
      memo?.remember(id, computed);
      replicates = computed;
    }
    ci95 = percentileInterval(replicates, options.bootstrap.level);
  }
  return { ...point, n, raw, ci95 };
}

/** The items with a finite rating and both lengths: ratings and length differences. */
function usedItems(input: LengthControlInput): { y: number[]; d: number[] } {
  const { ratings, modelLengths, baselineLengths } = input;
  if (ratings.length !== modelLengths.length || ratings.length !== baselineLengths.length) {
    throw new RangeError(
      `aligned inputs differ in length: ${ratings.length}, ${modelLengths.length} and ${baselineLengths.length}`,
    );
  }
  const y: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < ratings.length; i++) {
    const r = ratings[i]!;
    const m = modelLengths[i]!;
    const b = baselineLengths[i]!;
    if (Number.isFinite(r) && Number.isFinite(m) && Number.isFinite(b)) {
      y.push(r);
      d.push(m - b);
    }
  }
  return { y, d };
}

function replicateId(ys: Float64Array, ds: Float64Array, bootstrap: BootstrapOptions): string {
  return `length-controlled/${ys.length}/${bootstrap.seed}/${bootstrap.resamples}/${arraysDigest(ys, ds)}`;
}

/**
 * The id under which `lengthControlledScore` memoises the bootstrap of `input`
 * (ReplicateMemo), so that a caller can look them all up at once before computing any.
 */
export function lengthControlReplicateId(input: LengthControlInput, bootstrap: BootstrapOptions): string {
  const { y, d } = usedItems(input);
  return replicateId(Float64Array.from(y), Float64Array.from(d), bootstrap);
}

function fit(
  ys: readonly number[],
  ds: readonly number[],
  idx: Uint32Array | null,
): Omit<LengthControlled, 'n' | 'raw' | 'ci95'> {
  const n = idx ? idx.length : ys.length;
  const at = (k: number) => (idx ? idx[k]! : k);
  if (n < 3) return undefinedFit(NaN, `needs at least 3 rated items, got ${n}`);
  let dSum = 0;
  for (let k = 0; k < n; k++) dSum += ds[at(k)]!;
  const dMean = dSum / n;
  let dSs = 0;
  for (let k = 0; k < n; k++) dSs += (ds[at(k)]! - dMean) ** 2;
  const sd = Math.sqrt(dSs / (n - 1));
  let ySum = 0;
  for (let k = 0; k < n; k++) ySum += ys[at(k)]!;
  const yMean = ySum / n;
  if (sd === 0) {
    if (dMean !== 0) {
      return undefinedFit(0, 'every output differs from the baseline by the same length: no slope to fit');
    }
    let ySs = 0;
    for (let k = 0; k < n; k++) ySs += (ys[at(k)]! - yMean) ** 2;
    return {
      value: yMean,
      slope: NaN,
      standardError: Math.sqrt(ySs / (n - 1) / n),
      sdLengthDifference: 0,
      note: 'every output is as long as the baseline: the plain mean',
    };
  }
  const x = new Float64Array(n);
  let xSum = 0;
  for (let k = 0; k < n; k++) {
    x[k] = Math.tanh(ds[at(k)]! / sd);
    xSum += x[k]!;
  }
  const xMean = xSum / n;
  let sxx = 0;
  let sxy = 0;
  for (let k = 0; k < n; k++) {
    sxx += (x[k]! - xMean) ** 2;
    sxy += (x[k]! - xMean) * (ys[at(k)]! - yMean);
  }
  const slope = sxy / sxx;
  const intercept = yMean - slope * xMean;
  let rss = 0;
  for (let k = 0; k < n; k++) rss += (ys[at(k)]! - intercept - slope * x[k]!) ** 2;
  const s2 = rss / (n - 2);
  const standardError = Math.sqrt(s2 * (1 / n + (xMean * xMean) / sxx));
  return { value: intercept, slope, standardError, sdLengthDifference: sd };
}

/**
 * `fit(...).value` for replicate `r` of a resample plan, in two passes over the units drawn
 * (each once, weighted by how often it was drawn) and without allocating: it runs once per
 * model and resample (227 x 1,000 fits of 805 items in a full run), where the full fit's
 * standard error and its extra passes are not needed. The length differences' spread is
 * summed in one pass (their squares stay far inside double precision: |d| < 1e6).
 * Degenerate replicates (fewer than 3 items, no spread) take the full fit's rules.
 */
function replicateIntercept(ys: Float64Array, ds: Float64Array, plan: ResamplePlan, r: number): number {
  const n = plan.n;
  if (n < 3) return NaN;
  const { units, counts } = plan;
  const from = plan.offsets[r]!;
  const to = plan.offsets[r + 1]!;
  let dSum = 0;
  let dSq = 0;
  let ySum = 0;
  for (let k = from; k < to; k++) {
    const j = units[k]!;
    const c = counts[k]!;
    const dj = ds[j]!;
    dSum += c * dj;
    dSq += c * dj * dj;
    ySum += c * ys[j]!;
  }
  const dMean = dSum / n;
  const sd = Math.sqrt(Math.max(0, (dSq - n * dMean * dMean) / (n - 1)));
  // no spread, or only the rounding of the one-pass sum: the full fit decides (exactly)
  if (!(sd > 1e-9 * (Math.abs(dMean) + 1))) {
    const idx = planIndices(plan, r);
    return fit(ys as unknown as readonly number[], ds as unknown as readonly number[], idx).value;
  }
  const yMean = ySum / n;
  let xSum = 0;
  let xx = 0;
  let xy = 0;
  for (let k = from; k < to; k++) {
    const j = units[k]!;
    const c = counts[k]!;
    const x = tabulatedTanh(ds[j]! / sd);
    xSum += c * x;
    xx += c * x * x;
    xy += c * x * ys[j]!;
  }
  const xMean = xSum / n;
  const sxx = xx - n * xMean * xMean;
  const slope = (xy - n * xMean * yMean) / sxx;
  return yMean - slope * xMean;
}

function undefinedFit(sd: number, reason: string): Omit<LengthControlled, 'n' | 'raw' | 'ci95'> {
  return { value: NaN, slope: NaN, standardError: NaN, sdLengthDifference: sd, reason };
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
