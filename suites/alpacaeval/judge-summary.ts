import type { JudgeFigure, JudgeSummary } from '../../harness/leaderboard/judges.js';
import { ANNOTATORS, type AnnotatorName } from '../../harness/source/annotations.js';
import { isCompleteRun, type AlpacaEvalResult } from './result.js';

/** Instance-level agreement's columns get a table of their own: the re-rank's are many. */
const INSTANCE_TABLE = "instance-level agreement with GPT-4's own judgments";

/** The column instance-level agreement fills, "not run" for a run without it. */
const INSTANCE_COLUMN = {
  key: 'alpacaeval.instance',
  label: 'Instance agr.',
  kind: 'percent',
  table: INSTANCE_TABLE,
} as const;

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
  const instance = instanceFigures(result.instanceAgreement);
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
 * Instance-level agreement per annotator (pooled over its annotated models): agreement with
 * its interval and Cohen's kappa with its interval, as the run's `instanceAgreement` has them.
 */
function instanceFigures(value: AlpacaEvalResult['instanceAgreement']): JudgeFigure[] {
  const figures: JudgeFigure[] = [];
  for (const a of value?.annotators ?? []) {
    const overall = a.overall;
    if (!overall) continue;
    const short = ANNOTATORS[a.annotator as AnnotatorName]?.reference ?? a.annotator;
    const note = overall.reason ?? `${overall.n} (model, instruction) pairs over ${overall.models} models`;
    figures.push(
      {
        key: `${INSTANCE_COLUMN.key}.${a.annotator}`,
        label: `Instance agr. ${short}`,
        kind: 'percent',
        table: INSTANCE_TABLE,
        value: overall.agreement,
        ci95: overall.agreementCi95,
        n: overall.n,
        note,
      },
      {
        key: `alpacaeval.instance-kappa.${a.annotator}`,
        label: `Instance kappa ${short}`,
        kind: 'coefficient',
        table: INSTANCE_TABLE,
        value: overall.kappa,
        ci95: overall.kappaCi95,
        n: overall.n,
        note,
      },
    );
  }
  return figures;
}
