import { baseName, dateTime, int, plural } from '../../../harness/report/format.js';
import { stat, type StatLike, type StatView } from '../../../harness/report/views/common.js';
import { isCompleteRun, type AlpacaEvalResult } from '../result.js';

export interface CorrelationView {
  readonly reference: string;
  readonly label: string;
  readonly n: string;
  readonly spearman: StatView;
  readonly kendall: StatView;
  readonly pearson: StatView;
  /** the warning of a correlation on fewer than 10 models; '' for none */
  readonly warning: string;
}

const SHORT_NAMES: Readonly<Record<string, string>> = { ae1: 'AE1', ae2: 'AE2', 'ae2-lc': 'AE2 LC' };

/** A short column label for a reference: AE1, AE2, AE2 LC, or a CSV's file name. */
export function referenceShort(name: string): string {
  return SHORT_NAMES[name] ?? baseName(name).replace(/\.csv$/i, '');
}

export function correlationView(c: {
  reference: string;
  label?: string;
  n: number;
  spearman: StatLike;
  kendall: StatLike;
  pearson: StatLike;
  warning?: string;
}): CorrelationView {
  return {
    reference: referenceShort(c.reference),
    label: c.label ?? c.reference,
    n: String(c.n),
    spearman: stat(c.spearman),
    kendall: stat(c.kendall),
    pearson: stat(c.pearson),
    warning: c.warning ?? '',
  };
}

/** The reference that charts compare with: AlpacaEval 2 when present. */
export function primaryReference(references: readonly string[]): string | undefined {
  return ['ae2', 'ae1', 'ae2-lc'].find((r) => references.includes(r)) ?? references[0];
}

/**
 * What a run covered, for the label of its page: `partial run: 2 models, 5 of 805
 * instructions, 2026-12-01 09:08 UTC`, or `complete run: all 227 models, ...`.
 */
export function runLabel(
  result: Pick<AlpacaEvalResult, 'settings' | 'instructionIndices' | 'models' | 'manifest'>,
): string {
  const s = result.settings;
  const kind = isCompleteRun(result)
    ? 'complete run'
    : s.models === undefined
      ? 'partial run (its model selection is not recorded)'
      : 'partial run';
  const models =
    s.models === 'all'
      ? `all ${plural(result.models.length, 'model')}`
      : plural(s.models?.length ?? result.models.length, 'model');
  const instructions =
    s.instructions === s.instructionSetSize
      ? `all ${int(s.instructionSetSize)} instructions`
      : `${int(s.instructions)} of ${plural(s.instructionSetSize, 'instruction')}`;
  return `${kind}: ${models}, ${instructions}, ${dateTime(result.manifest.finishedAt)}`;
}
