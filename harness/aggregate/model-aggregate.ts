import type { Judgment } from '../core/types.js';

/** One model's judgments over the instruction set, reduced to what statistics need. */
export interface ModelAggregate {
  /** mean rating over parsed judgments; null when none parsed */
  readonly score: number | null;
  /** standard error of the mean (sample sd / sqrt(parsed)); null below 2 parsed */
  readonly se: number | null;
  /** judgments asked for (instructions the model answered, within the selected subset) */
  readonly n: number;
  readonly parsed: number;
  readonly unparsed: number;
  readonly errors: number;
  readonly truncated: number;
}

/**
 * Dense per-instruction view of one model: `values[i]` is the rating on instruction i of
 * the selected set, meaningful where `valid[i]` is 1. Feeds the instruction bootstrap.
 */
export interface ModelScoreVector {
  readonly values: Float64Array;
  readonly valid: Uint8Array;
}

/**
 * `judgments[k]` is the judgment of the instruction at `positions[k]` (an index into the
 * selected instruction set of size `items`).
 */
export function aggregateModel(
  judgments: readonly Judgment[],
  positions: readonly number[],
  items: number,
): { aggregate: ModelAggregate; vector: ModelScoreVector } {
  const values = new Float64Array(items);
  const valid = new Uint8Array(items);
  let parsed = 0;
  let unparsed = 0;
  let errors = 0;
  let truncated = 0;
  // Welford's running mean and variance: one pass, numerically stable.
  let mean = 0;
  let m2 = 0;
  judgments.forEach((j, k) => {
    if (j.kind !== 'error' && j.truncated) truncated++;
    if (j.kind === 'ok' && j.rating !== undefined) {
      parsed++;
      const x = j.rating;
      const delta = x - mean;
      mean += delta / parsed;
      m2 += delta * (x - mean);
      const pos = positions[k]!;
      values[pos] = x;
      valid[pos] = 1;
    } else if (j.kind === 'error') errors++;
    else unparsed++;
  });
  const se = parsed >= 2 ? Math.sqrt(m2 / (parsed - 1) / parsed) : null;
  return {
    aggregate: {
      score: parsed > 0 ? mean : null,
      se,
      n: judgments.length,
      parsed,
      unparsed,
      errors,
      truncated,
    },
    vector: { values, valid },
  };
}

/** Competition ranks ("1224"), highest score first; models without a score get no rank. */
export function rankScores(scores: readonly (number | null)[]): (number | null)[] {
  const order = scores
    .map((s, i) => ({ s, i }))
    .filter((e): e is { s: number; i: number } => e.s !== null)
    .sort((a, b) => b.s - a.s);
  const ranks: (number | null)[] = scores.map(() => null);
  order.forEach((e, k) => {
    const prev = order[k - 1];
    ranks[e.i] = prev !== undefined && prev.s === e.s ? ranks[prev.i]! : k + 1;
  });
  return ranks;
}
