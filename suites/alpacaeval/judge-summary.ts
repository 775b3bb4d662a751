import type { FigureInterval, JudgeFigure, JudgeSummary } from '../../harness/leaderboard/judges.js';
import { isCompleteRun, type AlpacaEvalResult } from './result.js';

/** The column instance-level agreement fills, "not run" for a run without it. */
const INSTANCE_COLUMN = { key: 'alpacaeval.instance', label: 'Instance agr.', kind: 'percent' } as const;

/**
 * An AlpacaEval run for the judge leaderboard: the re-rank's Spearman and Kendall against
 * each reference (with intervals, and the warning of a correlation on fewer than 10
 * models), instance-level agreement with GPT-4's annotations where the run has it, and the
 * ratings it could not read. Complete: every model of the source and every instruction.
 */
export function alpacaEvalJudgeSummary(result: AlpacaEvalResult): JudgeSummary {
  const figures: JudgeFigure[] = [];
  for (const c of result.correlations) {
    for (const [name, stat] of [
      ['Spearman', c.spearman],
      ['Kendall', c.kendall],
    ] as const) {
      figures.push({
        key: `alpacaeval.${name.toLowerCase()}.${c.reference}`,
        label: `${name} ${c.reference}`,
        kind: 'coefficient',
        value: stat.value,
        ci95: stat.ci95,
        n: c.n,
        ...(c.warning ? { warning: c.warning } : {}),
        ...(stat.reason ? { note: stat.reason } : {}),
      });
    }
  }
  const instance = instanceFigures((result as { instanceAgreement?: unknown }).instanceAgreement);
  figures.push(...instance);
  let requested = 0;
  let unparsed = 0;
  for (const m of result.models) {
    requested += m.n;
    unparsed += m.unparsed;
  }
  return {
    judge: result.judge.name,
    complete: isCompleteRun(result),
    figures,
    judgments: { requested, unparsed },
    ...(instance.length === 0 ? { absent: [INSTANCE_COLUMN] } : {}),
  };
}

/**
 * Instance-level agreement per annotator, read defensively (its result field is another
 * part of the issue): a list of `{ annotator, overall: { agreement, agreementCi95? } }`,
 * or such a list under `annotators`; agreement as a share (0-1) or a percentage.
 */
function instanceFigures(value: unknown): JudgeFigure[] {
  const list = Array.isArray(value)
    ? value
    : value && typeof value === 'object' && Array.isArray((value as { annotators?: unknown }).annotators)
      ? (value as { annotators: unknown[] }).annotators
      : [];
  const figures: JudgeFigure[] = [];
  for (const entry of list as { annotator?: unknown; overall?: Record<string, unknown> }[]) {
    if (!entry || typeof entry.annotator !== 'string' || !entry.overall) continue;
    const raw = entry.overall['agreement'];
    const agreement =
      typeof raw === 'number'
        ? raw
        : raw && typeof raw === 'object'
          ? (raw as { value?: unknown }).value
          : undefined;
    if (typeof agreement !== 'number' && agreement !== null) continue;
    const ci = (entry.overall['agreementCi95'] ??
      (raw && typeof raw === 'object' ? (raw as { ci95?: unknown }).ci95 : null)) as FigureInterval | null;
    const scale = typeof agreement === 'number' && agreement <= 1 && (!ci || ci[1] <= 1) ? 100 : 1;
    const n = entry.overall['n'];
    figures.push({
      key: `${INSTANCE_COLUMN.key}.${entry.annotator}`,
      label: `Instance agr. ${entry.annotator}`,
      kind: 'percent',
      value: agreement === null ? null : agreement * scale,
      ci95: Array.isArray(ci) && ci.length === 2 ? [ci[0] * scale, ci[1] * scale] : null,
      ...(typeof n === 'number' ? { n } : {}),
    });
  }
  return figures;
}
