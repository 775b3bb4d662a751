import type { JudgeFigure, JudgeSummary } from '../../harness/leaderboard/judges.js';
import type { BaselineRow, PairwiseResult } from './result.js';

/**
 * A pairwise run for the judge leaderboard: agreement, consistency and kappa with their
 * intervals, McNemar's p against the length ruler, the verdicts it could not read; the
 * length ruler's agreement and kappa on the same pairs as a row of its own. Every run
 * scores all the pairs: it is complete.
 */
export function pairwiseJudgeSummary(result: PairwiseResult): JudgeSummary {
  const o = result.overall;
  const figures: JudgeFigure[] = [
    {
      key: 'pairwise.agreement',
      label: 'Agreement',
      kind: 'percent',
      value: o.agreement,
      ci95: o.agreementCi95,
      n: o.n,
    },
    {
      key: 'pairwise.consistency',
      label: 'Consistency',
      kind: 'percent',
      value: o.consistency,
      ci95: o.consistencyCi95,
      n: o.n,
      ...(o.consistencyNote ? { note: o.consistencyNote } : {}),
    },
    {
      key: 'pairwise.kappa',
      label: 'Kappa',
      kind: 'coefficient',
      value: o.kappa,
      ci95: o.kappaCi95,
      n: o.n,
    },
  ];
  const vs = result.versusLength;
  // the ruler against itself says nothing: its column says "not run"
  if (vs && result.judge.name !== 'length') {
    figures.push({
      key: 'pairwise.mcnemar-length',
      label: 'McNemar p vs length',
      kind: 'p',
      value: vs.p,
      n: vs.n,
      note: `right where the ruler is wrong: ${vs.judgeOnly}; the reverse: ${vs.rulerOnly}`,
    });
  }
  const verdicts = result.protocol === 'pairwise' ? o.n * (o.unparsed.swapped === null ? 1 : 2) : o.n;
  const unparsed =
    result.protocol === 'pairwise' ? o.unparsed.given + (o.unparsed.swapped ?? 0) : o.unparsed.pairs;
  const length = (result.baselines ?? []).find((b) => b.name === 'length');
  return {
    judge: result.judge.profile ?? result.judge.name,
    complete: true,
    figures,
    judgments: { requested: verdicts, unparsed },
    ...(length && result.judge.name !== 'length'
      ? { baselines: [{ judge: 'length', figures: rulerFigures(length) }] }
      : {}),
  };
}

function rulerFigures(b: BaselineRow): JudgeFigure[] {
  return [
    {
      key: 'pairwise.agreement',
      label: 'Agreement',
      kind: 'percent',
      value: b.agreement,
      ci95: b.agreementCi95,
      n: b.n,
    },
    {
      key: 'pairwise.kappa',
      label: 'Kappa',
      kind: 'coefficient',
      value: b.kappa,
      ci95: b.kappaCi95,
      n: b.n,
    },
  ];
}
