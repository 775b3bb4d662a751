/**
 * Agreement between two raters item by item, with Cohen's kappa, for several groups rated
 * on the same units (models, each with a verdict pair per instruction), per group and
 * pooled over groups. The bootstrap resamples the units (instructions), the same draws for
 * every group and for the pool, so a pooled interval takes every group's item of a drawn
 * instruction along, as the instructions are what the groups share.
 */
import {
  activeReplicateMemo,
  arraysDigest,
  bootstrapUnits,
  percentileInterval,
  type BootstrapOptions,
  type Interval,
} from './bootstrap.js';

export interface AgreementFigures {
  /** items both raters labelled (the others take no part) */
  readonly n: number;
  /** units with at least one such item */
  readonly units: number;
  /** share of those items labelled alike, in percent (0-100); NaN without items */
  readonly agreement: number;
  readonly agreementCi95: Interval;
  /** Cohen's kappa (p_o - p_e) / (1 - p_e), as kappa.ts computes it; NaN when undefined */
  readonly kappa: number;
  readonly kappaCi95: Interval;
  /** observed agreement p_o and chance agreement p_e, 0..1 */
  readonly observed: number;
  readonly expected: number;
  readonly reason?: string;
}

/** One group's labels: `first[u]` and `second[u]` the two raters' labels on unit u (null: none). */
export interface RatedGroup<T> {
  readonly first: readonly (T | null)[];
  readonly second: readonly (T | null)[];
  /** counted in the pooled figures */
  readonly pooled: boolean;
}

/**
 * Figures per group and pooled over the groups marked `pooled`. Every group has one label
 * pair per unit (`units` of them). With `bootstrap`, each replicate draws `units` unit
 * indices with replacement (bootstrapUnits, seeded), and every group's and the pool's
 * figures are recomputed from the same draws; the intervals are percentile intervals
 * (undefined replicates left out, as percentileInterval does).
 */
export function groupedAgreement<T extends string | number | boolean>(
  groups: readonly RatedGroup<T>[],
  units: number,
  options: { bootstrap?: BootstrapOptions } = {},
): { groups: AgreementFigures[]; pooled: AgreementFigures } {
  const codes = new Map<T, number>();
  const code = (v: T) => {
    let c = codes.get(v);
    if (c === undefined) codes.set(v, (c = codes.size));
    return c;
  };
  // Per group and unit, the pair's label codes; -1 where either label is missing.
  const pairs = groups.map((g) => {
    if (g.first.length !== units || g.second.length !== units) {
      throw new RangeError(`a group has ${g.first.length} and ${g.second.length} labels for ${units} units`);
    }
    const a = new Int32Array(units).fill(-1);
    const b = new Int32Array(units);
    for (let u = 0; u < units; u++) {
      const x = g.first[u];
      const y = g.second[u];
      if (x === null || x === undefined || y === null || y === undefined) continue;
      a[u] = code(x);
      b[u] = code(y);
    }
    return { a, b };
  });
  const labels = codes.size;
  const cells = labels * labels;
  // cell[g * units + u]: the pair's cell of the labels x labels table, -1 if none
  const cell = new Int32Array(groups.length * units);
  pairs.forEach(({ a, b }, g) => {
    for (let u = 0; u < units; u++) cell[g * units + u] = a[u]! < 0 ? -1 : a[u]! * labels + b[u]!;
  });
  const pooledGroups = groups.flatMap((g, i) => (g.pooled ? [i] : []));

  const tables = new Float64Array((groups.length + 1) * cells);
  const weights = new Float64Array(units);
  // the cells again, unit-major (cellOfUnit[u * G + g]): a drawn unit adds to every group's
  // table from one contiguous run; each table cell still sums its units in ascending order
  const G = groups.length;
  const cellOfUnit = new Int32Array(units * G);
  for (let g = 0; g < G; g++) for (let u = 0; u < units; u++) cellOfUnit[u * G + g] = cell[g * units + u]!;
  /** Tables of every group and of the pool (last), each unit counted `weights[u]` times. */
  const tabulate = (drawn: Uint32Array, d: number) => {
    tables.fill(0);
    for (let k = 0; k < d; k++) {
      const u = drawn[k]!;
      const w = weights[u]!;
      const row = u * G;
      for (let g = 0; g < G; g++) {
        const c = cellOfUnit[row + g]!;
        if (c >= 0) tables[g * cells + c]! += w;
      }
    }
    const pool = G * cells;
    for (const g of pooledGroups) for (let c = 0; c < cells; c++) tables[pool + c]! += tables[g * cells + c]!;
  };

  const all = Uint32Array.from({ length: units }, (_, u) => u);
  weights.fill(1);
  tabulate(all, units);
  const points = Array.from({ length: groups.length + 1 }, (_, g) => agreementOf(tables, g * cells, labels));
  const unitCounts = [...groups.map((_, g) => unitsWith([g])), unitsWith(pooledGroups)];
  function unitsWith(members: readonly number[]): number {
    let n = 0;
    for (let u = 0; u < units; u++) if (members.some((g) => cell[g * units + u]! >= 0)) n++;
    return n;
  }

  const bootstrap = options.bootstrap;
  const resampled = bootstrap !== undefined && bootstrap.resamples > 0 && units > 0;
  // The intervals depend on the cells, the pooling and the draws only: a memo (bootstrap.ts
  // withReplicateMemo) keeps them, four numbers per group (NaN for an undefined end).
  const memo = resampled ? activeReplicateMemo() : undefined;
  const memoId = memo
    ? `grouped-agreement/${units}/${labels}/${bootstrap!.seed}/${bootstrap!.resamples}/${bootstrap!.level ?? 0.95}/` +
      arraysDigest(
        cell,
        Uint8Array.from(groups, (g) => (g.pooled ? 1 : 0)),
      )
    : '';
  const kept = memo?.recall([memoId]).get(memoId);
  let intervals: { agreement: Interval; kappa: Interval }[] | undefined =
    kept?.length === points.length * 4
      ? points.map((_, g) => ({ agreement: decoded(kept, 4 * g), kappa: decoded(kept, 4 * g + 2) }))
      : undefined;
  if (resampled && !intervals) {
    const agreements = points.map(() => [] as number[]);
    const kappas = points.map(() => [] as number[]);
    const drawn = new Uint32Array(units);
    bootstrapUnits(
      units,
      (indices) => {
        // Each distinct drawn unit once, weighted by how often it was drawn.
        weights.fill(0);
        for (const u of indices) weights[u]! += 1;
        let d = 0;
        for (let u = 0; u < units; u++) if (weights[u] !== 0) drawn[d++] = u;
        tabulate(drawn, d);
        for (let g = 0; g < points.length; g++) {
          const f = agreementOf(tables, g * cells, labels);
          agreements[g]!.push(100 * f.observed);
          kappas[g]!.push(f.kappa);
        }
        return 0;
      },
      bootstrap,
    );
    intervals = points.map((_, g) => ({
      agreement: percentileInterval(agreements[g]!, bootstrap.level),
      kappa: percentileInterval(kappas[g]!, bootstrap.level),
    }));
    if (memo) {
      const encoded = new Float64Array(points.length * 4);
      intervals.forEach((iv, g) => {
        encoded.set([...(iv.agreement ?? [NaN, NaN]), ...(iv.kappa ?? [NaN, NaN])], 4 * g);
      });
      memo.remember(memoId, encoded);
    }
  }
  const figures = points.map((point, g): AgreementFigures => {
    const n = point.n;
    const result = {
      n,
      units: unitCounts[g]!,
      agreement: 100 * point.observed,
      agreementCi95: intervals && n > 0 ? intervals[g]!.agreement : null,
      kappa: point.kappa,
      kappaCi95: intervals && Number.isFinite(point.kappa) ? intervals[g]!.kappa : null,
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
  });
  return { groups: figures.slice(0, groups.length), pooled: figures[groups.length]! };
}

/** The interval stored at `at` of an encoded memo value (NaN ends: none). */
function decoded(values: Float64Array, at: number): Interval {
  const lo = values[at]!;
  const hi = values[at + 1]!;
  return Number.isNaN(lo) || Number.isNaN(hi) ? null : [lo, hi];
}

/** n, p_o, p_e and kappa from the labels x labels table at `offset` (rows: the first rater). */
function agreementOf(
  tables: Float64Array,
  offset: number,
  labels: number,
): { n: number; observed: number; expected: number; kappa: number } {
  let n = 0;
  let same = 0;
  for (let a = 0; a < labels; a++) {
    for (let b = 0; b < labels; b++) n += tables[offset + a * labels + b]!;
    same += tables[offset + a * labels + a]!;
  }
  if (n === 0) return { n, observed: NaN, expected: NaN, kappa: NaN };
  let expected = 0;
  for (let l = 0; l < labels; l++) {
    let row = 0;
    let column = 0;
    for (let m = 0; m < labels; m++) {
      row += tables[offset + l * labels + m]!;
      column += tables[offset + m * labels + l]!;
    }
    expected += (row / n) * (column / n);
  }
  const observed = same / n;
  return { n, observed, expected, kappa: expected === 1 ? NaN : (observed - expected) / (1 - expected) };
}
