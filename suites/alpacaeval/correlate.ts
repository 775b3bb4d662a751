import type { ModelScoreVector } from '../../harness/aggregate/model-aggregate.js';
import type { Reference } from '../../harness/source/references.js';
import {
  activeReplicateMemo,
  arraysDigest,
  bootstrapItemMeans,
  percentileInterval,
  type ScoreMatrix,
} from '../../harness/stats/bootstrap.js';
import { CORRELATIONS, correlationsAgainst, type CorrelationName } from '../../harness/stats/correlation.js';
import { MIN_CORRELATION_MODELS, type CorrelationResult, type StatisticResult } from './result.js';

interface ScoredModel {
  readonly model: string;
  readonly score: number | null;
  readonly vector: ModelScoreVector;
}

/** The models' per-instruction vectors as one models x items matrix, row i = vectors[i]. */
export function scoreMatrix(vectors: readonly ModelScoreVector[], items: number): ScoreMatrix {
  const matrix: ScoreMatrix = {
    models: vectors.length,
    items,
    values: new Float64Array(vectors.length * items),
    valid: new Uint8Array(vectors.length * items),
  };
  vectors.forEach((v, i) => {
    matrix.values.set(v.values, i * items);
    matrix.valid.set(v.valid, i * items);
  });
  return matrix;
}

const NAMES = Object.keys(CORRELATIONS) as CorrelationName[];

/**
 * Correlation of the judge's model scores with each reference, over the models both have,
 * with percentile intervals from a bootstrap over instructions: every replicate redraws
 * the instructions, recomputes every model's mean, and recomputes each correlation.
 */
export function correlateWithBootstrap(
  models: readonly ScoredModel[],
  references: readonly Reference[],
  options: { resamples: number; seed: number; items: number },
): CorrelationResult[] {
  // Only models some reference has take part; the others would be resampled for nothing.
  const scored = models.filter((m) => m.score !== null && references.some((r) => r.scores.has(m.model)));

  const plans = references.map((ref) => {
    const rows: number[] = [];
    const refValues: number[] = [];
    scored.forEach((m, i) => {
      const v = ref.scores.get(m.model);
      if (v !== undefined) {
        rows.push(i);
        refValues.push(v);
      }
    });
    const point = Object.fromEntries(
      NAMES.map((name) => [
        name,
        CORRELATIONS[name](
          rows.map((r) => scored[r]!.score!),
          refValues,
        ),
      ]),
    ) as Record<CorrelationName, ReturnType<(typeof CORRELATIONS)[CorrelationName]>>;
    const replicates = Object.fromEntries(NAMES.map((n) => [n, [] as number[]])) as Record<
      CorrelationName,
      number[]
    >;
    return { ref, rows, refValues, point, replicates, against: correlationsAgainst(refValues) };
  });

  // The replicates depend on the matrix, each reference's rows and values and the draws: a
  // memo (withReplicateMemo) keeps them, every correlation's of a reference in one array.
  // The matrix is built only when they are drawn: a rerun of 450 models would otherwise
  // copy 3 MB per call only to hash it.
  const memo = activeReplicateMemo();
  const resampled = plans.filter((p) => p.rows.length >= 3);
  const data = memo ? arraysDigest(...scored.flatMap((m) => [m.vector.values, m.vector.valid])) : '';
  const ids = resampled.map(
    (p) =>
      `correlations/${NAMES.join('+')}/${options.items}/${options.seed}/${options.resamples}/${data}/` +
      arraysDigest(Uint32Array.from(p.rows), Float64Array.from(p.refValues)),
  );
  const kept = memo && options.resamples > 0 ? memo.recall(ids) : new Map<string, Float64Array>();
  const all = ids.every((id) => kept.get(id)?.length === NAMES.length * options.resamples);
  if (options.resamples > 0 && resampled.length > 0 && all) {
    resampled.forEach((plan, k) => {
      const values = kept.get(ids[k]!)!;
      NAMES.forEach((name, n) => {
        plan.replicates[name].push(...values.subarray(n * options.resamples, (n + 1) * options.resamples));
      });
    });
  } else if (options.resamples > 0 && resampled.length > 0) {
    bootstrapItemMeans(
      scoreMatrix(
        scored.map((m) => m.vector),
        options.items,
      ),
      (means) => {
        for (const plan of plans) {
          if (plan.rows.length < 3) continue;
          const x: number[] = [];
          const y: number[] = [];
          plan.rows.forEach((r, k) => {
            const v = means[r]!;
            if (!Number.isNaN(v)) {
              x.push(v);
              y.push(plan.refValues[k]!);
            }
          });
          // every model has a mean (the rule): against the reference's values as prepared
          const values = x.length === plan.rows.length ? plan.against(x) : undefined;
          for (const name of NAMES) {
            plan.replicates[name].push((values ? values[name] : CORRELATIONS[name](x, y).value) ?? NaN);
          }
        }
      },
      { resamples: options.resamples, seed: options.seed },
    );
    if (memo) {
      resampled.forEach((plan, k) => {
        memo.remember(ids[k]!, Float64Array.from(NAMES.flatMap((name) => plan.replicates[name])));
      });
    }
  }

  return plans.map(({ ref, rows, point, replicates }) => {
    const stat = (name: CorrelationName): StatisticResult => {
      const p = point[name];
      const ci95 = p.value === null || options.resamples === 0 ? null : percentileInterval(replicates[name]);
      return p.reason !== undefined ? { value: p.value, ci95, reason: p.reason } : { value: p.value, ci95 };
    };
    return {
      reference: ref.name,
      label: ref.label,
      file: ref.file,
      column: ref.column,
      n: rows.length,
      spearman: stat('spearman'),
      kendall: stat('kendall'),
      pearson: stat('pearson'),
      ...(rows.length < MIN_CORRELATION_MODELS
        ? {
            warning: `rests on ${rows.length} model${rows.length === 1 ? '' : 's'}, fewer than ${MIN_CORRELATION_MODELS}: too few to trust`,
          }
        : {}),
    };
  });
}
