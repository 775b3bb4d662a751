import { createHash } from 'node:crypto';
import { createRng, randomIndex } from './rng.js';

/**
 * Bootstrap replicates computed before, by an id that names everything they come from (the
 * statistic, the resample plan, a digest of the data), kept elsewhere (a judgment store's
 * memo): a rerun over the same data recalls them instead of drawing them again.
 */
export interface ReplicateMemo {
  recall(ids: readonly string[]): Map<string, Float64Array>;
  remember(id: string, replicates: Float64Array): void;
}

let replicateMemo: ReplicateMemo | undefined;

/**
 * Runs `compute` with the bootstraps that have a memo id (bootstrapItemMeans' rows, the
 * length-controlled fits) recalled from, and added to, `memo`. The replicates are the same
 * either way: the id covers all they depend on.
 */
export function withReplicateMemo<T>(memo: ReplicateMemo | undefined, compute: () => T): T {
  const outer = replicateMemo;
  replicateMemo = memo;
  try {
    return compute();
  } finally {
    replicateMemo = outer;
  }
}

/** The memo `withReplicateMemo` set, if any (for the statistics that use one). */
export function activeReplicateMemo(): ReplicateMemo | undefined {
  return replicateMemo;
}

/** A digest of typed arrays' bytes, for replicate ids. */
export function arraysDigest(...arrays: readonly ArrayBufferView[]): string {
  const hash = createHash('sha256');
  for (const a of arrays) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest('hex');
}

/** A 95% (or other) percentile interval, or null when too few resamples were defined. */
export type Interval = readonly [number, number] | null;

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  /** central coverage, 0.95 by default */
  readonly level?: number;
}

/**
 * Percentile interval of bootstrap replicates (numpy's default linear interpolation).
 * Undefined replicates (NaN: a resample with a constant side) are left out; if more than
 * half are undefined, the interval is null rather than built on a biased remainder.
 */
export function percentileInterval(replicates: ArrayLike<number>, level = 0.95): Interval {
  let count = 0;
  for (let i = 0; i < replicates.length; i++) if (Number.isFinite(replicates[i])) count++;
  if (count === 0 || count * 2 < replicates.length) return null;
  // a typed array sorts numbers natively, several times faster than a comparator (a run
  // takes ~1,000 intervals); equal values are interchangeable, so the ends are the same
  const defined = new Float64Array(count);
  for (let i = 0, k = 0; i < replicates.length; i++) {
    if (Number.isFinite(replicates[i])) defined[k++] = replicates[i]!;
  }
  defined.sort();
  const alpha = (1 - level) / 2;
  return [quantileSorted(defined, alpha), quantileSorted(defined, 1 - alpha)];
}

export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Bootstrap over units (models for `bench correlate`, pairs for the pairwise suite):
 * each replicate draws `n` unit indices with replacement and evaluates `statistic` on
 * them. Returns the replicates; the statistic returns NaN where undefined.
 */
export function bootstrapUnits(
  n: number,
  statistic: (indices: Uint32Array) => number,
  options: BootstrapOptions,
): number[] {
  const rng = createRng(options.seed);
  const indices = new Uint32Array(n);
  const out: number[] = new Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = randomIndex(rng, n);
    out[r] = statistic(indices);
  }
  return out;
}

/**
 * The resamples `bootstrapUnits` draws for `n` units (the same seed gives the same draws),
 * as counts: replicate r drew unit `units[k]` `counts[k]` times, for k in
 * [offsets[r], offsets[r + 1]), units ascending. Statistics that run over many inputs of the
 * same size (the length-controlled fit of every model) share one plan instead of drawing
 * n x resamples numbers each, and visit each drawn unit once (about 63% of them).
 */
export interface ResamplePlan {
  readonly n: number;
  readonly resamples: number;
  readonly offsets: Uint32Array;
  readonly units: Uint32Array;
  readonly counts: Uint32Array;
}

/** the last plans made, by (n, seed, resamples): a run asks for a few sizes, many times */
const plans = new Map<string, ResamplePlan>();
const MAX_PLANS = 8;

export function resamplePlan(n: number, options: BootstrapOptions): ResamplePlan {
  const id = `${n}/${options.seed}/${options.resamples}`;
  const known = plans.get(id);
  if (known) {
    plans.delete(id);
    plans.set(id, known);
    return known;
  }
  const rng = createRng(options.seed);
  const tally = new Uint32Array(n);
  const offsets = new Uint32Array(options.resamples + 1);
  let units = new Uint32Array(Math.max(1, Math.ceil(n * 0.7)) * Math.max(1, options.resamples));
  let counts = new Uint32Array(units.length);
  let size = 0;
  for (let r = 0; r < options.resamples; r++) {
    tally.fill(0);
    for (let i = 0; i < n; i++) tally[randomIndex(rng, n)]! += 1;
    if (size + n > units.length) {
      const grown = Math.max(units.length * 2, size + n);
      const u = new Uint32Array(grown);
      u.set(units.subarray(0, size));
      units = u;
      const c = new Uint32Array(grown);
      c.set(counts.subarray(0, size));
      counts = c;
    }
    for (let i = 0; i < n; i++) {
      if (tally[i] === 0) continue;
      units[size] = i;
      counts[size] = tally[i]!;
      size++;
    }
    offsets[r + 1] = size;
  }
  const plan: ResamplePlan = {
    n,
    resamples: options.resamples,
    offsets,
    units: units.slice(0, size),
    counts: counts.slice(0, size),
  };
  plans.set(id, plan);
  if (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value!);
  return plan;
}

/** Replicate r of a plan as `bootstrapUnits` hands it over: the drawn indices (ascending). */
export function planIndices(plan: ResamplePlan, r: number): Uint32Array {
  const out = new Uint32Array(plan.n);
  let i = 0;
  for (let k = plan.offsets[r]!; k < plan.offsets[r + 1]!; k++) {
    for (let c = 0; c < plan.counts[k]!; c++) out[i++] = plan.units[k]!;
  }
  return out;
}

/**
 * Per-model scores over a shared set of items (instructions), dense: `values[m * items + i]`
 * is model m's score on item i, valid when `valid[...]` is 1 (parsed, present).
 */
export interface ScoreMatrix {
  readonly models: number;
  readonly items: number;
  readonly values: Float64Array;
  readonly valid: Uint8Array;
}

/**
 * Bootstrap over items: each replicate draws the items with replacement (the same draw for
 * every model, as the instructions are shared), recomputes every model's mean over the
 * drawn items, and hands the means (NaN for a model with no valid drawn item) to `visit`.
 */
export function bootstrapItemMeans(
  matrix: ScoreMatrix,
  visit: (means: Float64Array, replicate: number) => void,
  options: BootstrapOptions,
): void {
  const { models, items, values, valid } = matrix;
  // a row as it is digested: its values and validity, 0 in both where invalid
  const maskRows = (masked: Float64Array, weights: Float64Array, from: number, to: number) => {
    masked.fill(0);
    weights.fill(0);
    for (let c = from; c < to; c++) {
      if (valid[c] === 1) {
        masked[c - from] = values[c]!;
        weights[c - from] = 1;
      }
    }
  };
  // A row's replicate means depend on the row and the draws only: rows of the previous
  // call with the same draws (the correlations, then the intervals, of one run) are reused.
  const id = `${items}/${options.seed}/${options.resamples}`;
  const previous = lastMeans?.id === id ? lastMeans.rows : undefined;
  // digested a row at a time: the rows to draw are laid out below only if there are any
  const rowMasked = new Float64Array(items);
  const rowWeights = new Float64Array(items);
  const digests = Array.from({ length: models }, (_, m) => {
    maskRows(rowMasked, rowWeights, m * items, (m + 1) * items);
    return arraysDigest(rowMasked, rowWeights);
  });
  const memo = replicateMemo;
  const memoId = (digest: string) => `item-means/${id}/${digest}`;
  const recalled = memo
    ? memo.recall([...new Set(digests.filter((d) => !previous?.has(d)))].map(memoId))
    : undefined;
  const rows = new Map<string, Float64Array>();
  const known: (Float64Array | undefined)[] = new Array(models);
  const todo: number[] = [];
  for (let m = 0; m < models; m++) {
    const digest = digests[m]!;
    const kept = recalled?.get(memoId(digest));
    const reused =
      rows.get(digest) ?? previous?.get(digest) ?? (kept?.length === options.resamples ? kept : undefined);
    if (reused) {
      known[m] = reused;
      rows.set(digest, reused);
      continue;
    }
    const fresh = new Float64Array(options.resamples);
    known[m] = fresh;
    rows.set(digest, fresh);
    todo.push(m);
  }
  const computed = todo.map((m) => known[m]!);
  // The rows to draw, item-major (row t of item i at i * T + t, 0 where invalid), so that a
  // drawn item adds to every row from one contiguous run of memory; each row's sum still
  // adds its items in ascending order, as model-major would, so the means are the same bits.
  // A row's weight is the number of items drawn less its invalid ones drawn (exact integers).
  const T = todo.length;
  const byItem = new Float64Array(T > 0 ? items * T : 0);
  const invalidFrom = new Uint32Array(T + 1);
  const invalid: number[] = [];
  for (let t = 0; t < T; t++) {
    const base = todo[t]! * items;
    for (let i = 0; i < items; i++) {
      if (valid[base + i] === 1) byItem[i * T + t] = values[base + i]!;
      else invalid.push(i);
    }
    invalidFrom[t + 1] = invalid.length;
  }
  const sums = new Float64Array(T);
  const rng = createRng(options.seed);
  const counts = new Float64Array(items);
  const means = new Float64Array(models);
  for (let r = 0; r < options.resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < items; i++) counts[randomIndex(rng, items)]! += 1;
    if (T > 0) {
      sums.fill(0);
      // About 63% of the items are drawn at least once; only those are visited.
      for (let i = 0; i < items; i++) {
        const c = counts[i]!;
        if (c === 0) continue;
        const row = i * T;
        for (let t = 0; t < T; t++) sums[t]! += c * byItem[row + t]!;
      }
      for (let t = 0; t < T; t++) {
        let weight = items;
        for (let k = invalidFrom[t]!; k < invalidFrom[t + 1]!; k++) weight -= counts[invalid[k]!]!;
        computed[t]![r] = weight > 0 ? sums[t]! / weight : NaN;
      }
    }
    for (let m = 0; m < models; m++) means[m] = known[m]![r]!;
    visit(means, r);
  }
  if (memo) for (const m of todo) memo.remember(memoId(digests[m]!), known[m]!);
  lastMeans = { id, rows };
}

/** the replicate means of the last call's rows, by row digest, and the draws they come from */
let lastMeans: { id: string; rows: Map<string, Float64Array> } | undefined;

/**
 * Percentile interval of the mean of `values` over units resampled with replacement (a
 * share in percent: values of 0 and 100). Null with no units or no resamples. The same
 * seed draws the same resamples, so intervals of several shares of the same units (win,
 * tie, lose) come from the same draws.
 */
export function meanInterval(values: ArrayLike<number>, options: BootstrapOptions): Interval {
  const n = values.length;
  if (n === 0 || options.resamples < 1) return null;
  const x = Float64Array.from(values);
  const replicates = bootstrapUnits(
    n,
    (drawn) => {
      let sum = 0;
      for (const d of drawn) sum += x[d]!;
      return sum / n;
    },
    options,
  );
  return percentileInterval(replicates, options.level);
}
