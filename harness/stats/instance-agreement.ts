/**
 * Agreement between two raters' labels item by item, with Cohen's kappa, when the items
 * come in clusters that must be resampled together: the (model, instruction) verdicts of
 * several models pooled, where the instruction is the unit the bootstrap draws (every
 * model's verdict on a drawn instruction comes along). With one item per cluster it is
 * the plain item bootstrap of kappa.ts, draw for draw.
 */
import { bootstrapUnits, percentileInterval, type BootstrapOptions, type Interval } from './bootstrap.js';

export interface ClusteredAgreement {
  /** items both raters labelled (the others take no part) */
  readonly n: number;
  /** clusters with at least one such item: the units of the bootstrap */
  readonly clusters: number;
  /** share of those items labelled alike, in percent (0-100); NaN without items */
  readonly agreement: number;
  readonly agreementCi95: Interval;
  /** Cohen's kappa (p_o - p_e) / (1 - p_e), as kappa.ts; NaN when undefined */
  readonly kappa: number;
  readonly kappaCi95: Interval;
  /** observed agreement p_o and chance agreement p_e, 0..1 */
  readonly observed: number;
  readonly expected: number;
  readonly reason?: string;
}

/**
 * `first[i]` and `second[i]` are the two raters' labels of item i (null: none), `clusters[i]`
 * its cluster id (an instruction index). With `bootstrap`, each replicate draws as many
 * clusters as there are, with replacement, in ascending order of cluster id
 * (bootstrapUnits, seeded), and recomputes both figures from the same draws; the intervals
 * are percentile intervals (undefined replicates left out, as percentileInterval does).
 */
export function clusteredAgreement<T extends string | number | boolean>(
  first: readonly (T | null)[],
  second: readonly (T | null)[],
  clusters: readonly number[],
  options: { bootstrap?: BootstrapOptions } = {},
): ClusteredAgreement {
  if (first.length !== second.length || first.length !== clusters.length) {
    throw new RangeError(
      `paired inputs differ in length: ${first.length}, ${second.length} and ${clusters.length}`,
    );
  }
  const codes = new Map<T, number>();
  const code = (v: T) => {
    let c = codes.get(v);
    if (c === undefined) codes.set(v, (c = codes.size));
    return c;
  };
  const labelled: { cluster: number; a: number; b: number }[] = [];
  for (let i = 0; i < first.length; i++) {
    const x = first[i];
    const y = second[i];
    if (x === null || x === undefined || y === null || y === undefined) continue;
    labelled.push({ cluster: clusters[i]!, a: code(x), b: code(y) });
  }
  const labels = codes.size;
  // One labels x labels table of counts per cluster, clusters in ascending id order.
  const ids = [...new Set(labelled.map((l) => l.cluster))].sort((p, q) => p - q);
  const slot = new Map(ids.map((id, k) => [id, k]));
  const cells = labels * labels;
  const tables = new Float64Array(ids.length * cells);
  for (const l of labelled) tables[slot.get(l.cluster)! * cells + l.a * labels + l.b]! += 1;

  const total = new Float64Array(cells);
  const figures = (drawn: ArrayLike<number>) => {
    total.fill(0);
    for (let k = 0; k < drawn.length; k++) {
      const base = drawn[k]! * cells;
      for (let c = 0; c < cells; c++) total[c]! += tables[base + c]!;
    }
    return agreementOf(total, labels);
  };
  const point = figures(Uint32Array.from(ids, (_, k) => k));
  const n = labelled.length;
  let agreementCi95: Interval = null;
  let kappaCi95: Interval = null;
  const bootstrap = options.bootstrap;
  if (bootstrap && bootstrap.resamples > 0 && ids.length > 0) {
    const agreements: number[] = [];
    const kappas = bootstrapUnits(
      ids.length,
      (drawn) => {
        const f = figures(drawn);
        agreements.push(100 * f.observed);
        return f.kappa;
      },
      bootstrap,
    );
    agreementCi95 = percentileInterval(agreements, bootstrap.level);
    if (Number.isFinite(point.kappa)) kappaCi95 = percentileInterval(kappas, bootstrap.level);
  }
  const result = {
    n,
    clusters: ids.length,
    agreement: 100 * point.observed,
    agreementCi95,
    kappa: point.kappa,
    kappaCi95,
    observed: point.observed,
    expected: point.expected,
  };
  if (n === 0) return { ...result, reason: 'no item labelled by both raters' };
  if (!Number.isFinite(point.kappa)) {
    return {
      ...result,
      reason: 'chance agreement is 1: both raters give one and the same label to every item',
    };
  }
  return result;
}

/** p_o, p_e and kappa from a labels x labels table of counts (rows: first rater). */
function agreementOf(
  table: Float64Array,
  labels: number,
): { observed: number; expected: number; kappa: number } {
  let n = 0;
  let same = 0;
  for (let a = 0; a < labels; a++) {
    for (let b = 0; b < labels; b++) n += table[a * labels + b]!;
    same += table[a * labels + a]!;
  }
  if (n === 0) return { observed: NaN, expected: NaN, kappa: NaN };
  let expected = 0;
  for (let l = 0; l < labels; l++) {
    let row = 0;
    let column = 0;
    for (let m = 0; m < labels; m++) {
      row += table[l * labels + m]!;
      column += table[m * labels + l]!;
    }
    expected += (row / n) * (column / n);
  }
  const observed = same / n;
  return { observed, expected, kappa: expected === 1 ? NaN : (observed - expected) / (1 - expected) };
}
