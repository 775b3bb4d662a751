/**
 * The length-controlled score of every model (harness/stats/length-control.ts: the rating
 * fitted on tanh of the standardised length difference to the baseline's output for the
 * same instruction, read off at zero difference) and its correlations with the references
 * beside the raw score's. Wiring only: the arithmetic is in harness/stats.
 */
import type { ModelScoreVector } from '../../harness/aggregate/model-aggregate.js';
import { InputError } from '../../harness/core/errors.js';
import { codePointLength } from '../../harness/judge/length.js';
import { readSubmission } from '../../harness/source/alpacaeval.js';
import { alignOutputs, type InstructionIndex } from '../../harness/source/align.js';
import type { SourceFiles } from '../../harness/source/files.js';
import type { Reference } from '../../harness/source/references.js';
import { CORRELATIONS } from '../../harness/stats/correlation.js';
import type { LengthControlInput, LengthControlled } from '../../harness/stats/length-control.js';
import type { LengthControlledResult, ModelLengthControlled } from './result.js';

/** AlpacaEval 2's baseline: its outputs are in the source like any submission's. */
export const LENGTH_CONTROL_BASELINE = 'gpt4_1106_preview';

/** Output lengths (code points) per selected instruction; NaN where the output is missing. */
export function outputLengths(outputs: readonly (string | undefined)[]): Float64Array {
  return Float64Array.from(outputs, (o) => (o === undefined ? NaN : codePointLength(o)));
}

/** The baseline's output lengths on the selected instructions, or the reason there are none. */
export async function baselineLengths(
  files: SourceFiles,
  index: InstructionIndex,
  selected: readonly number[],
): Promise<Float64Array | string> {
  try {
    const submission = await readSubmission(files, LENGTH_CONTROL_BASELINE);
    if (!submission) return `the baseline ${LENGTH_CONTROL_BASELINE} has no outputs in the source`;
    const aligned = alignOutputs(index, submission.entries);
    return outputLengths(selected.map((i) => aligned.outputs[i]));
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
}

interface Model {
  readonly model: string;
  readonly score: number | null;
}

/** What a model's length-controlled fit is made from: its chosen ratings and its lengths. */
export function lengthControlInput(
  vector: ModelScoreVector,
  lengths: Float64Array,
  baseline: Float64Array,
): LengthControlInput {
  const ratings = Float64Array.from(vector.values, (v, k) => (vector.valid[k] === 1 ? v : NaN));
  return { ratings, modelLengths: lengths, baselineLengths: baseline };
}

/**
 * Every model's length-controlled score (`fits[i]`, made by the caller's LengthControlPool
 * from `lengthControlInput`, for the models with a score) and the correlations.
 */
export function lengthControlled(
  models: readonly Model[],
  baseline: Float64Array | string,
  references: readonly Reference[],
  fits: readonly (LengthControlled | undefined)[],
): { perModel: (ModelLengthControlled | undefined)[]; summary: LengthControlledResult } {
  if (typeof baseline === 'string') {
    return {
      perModel: models.map(() => undefined),
      summary: { baseline: LENGTH_CONTROL_BASELINE, reason: baseline, correlations: [] },
    };
  }
  const perModel = models.map((m, i): ModelLengthControlled | undefined => {
    const lc = fits[i];
    if (m.score === null || lc === undefined) return undefined;
    return {
      value: finite(lc.value),
      standardError: finite(lc.standardError),
      ci95: lc.ci95,
      slope: finite(lc.slope),
      n: lc.n,
      ...(lc.note === undefined ? {} : { note: lc.note }),
      ...(lc.reason === undefined ? {} : { reason: lc.reason }),
    };
  });
  const correlations = references.map((ref) => {
    const raw: [number, number][] = [];
    const controlled: [number, number][] = [];
    models.forEach((m, i) => {
      const value = ref.scores.get(m.model);
      const lc = perModel[i]?.value;
      if (value === undefined || m.score === null || lc === null || lc === undefined) return;
      raw.push([m.score, value]);
      controlled.push([lc, value]);
    });
    const of = (pairs: [number, number][], name: keyof typeof CORRELATIONS) =>
      CORRELATIONS[name](
        pairs.map((p) => p[0]),
        pairs.map((p) => p[1]),
      ).value;
    return {
      reference: ref.name,
      n: controlled.length,
      spearman: { lengthControlled: of(controlled, 'spearman'), raw: of(raw, 'spearman') },
      kendall: { lengthControlled: of(controlled, 'kendall'), raw: of(raw, 'kendall') },
      pearson: { lengthControlled: of(controlled, 'pearson'), raw: of(raw, 'pearson') },
    };
  });
  return { perModel, summary: { baseline: LENGTH_CONTROL_BASELINE, correlations } };
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
