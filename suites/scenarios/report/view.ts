/**
 * The scenarios suite's report page: the classifier's accuracy (own scenario, own group)
 * overall and per group with intervals, per scenario, and the confusion table of groups.
 * Formatting only; the templates escape every text.
 */
import { int, interval, percent } from '../../../harness/report/format.js';
import { manifestOf, runFacts } from '../../../harness/report/index.js';
import { fact, type Fact } from '../../../harness/report/views/page.js';
import type { ScenariosRunResult } from '../index.js';
import type { AccuracyIntervals, AccuracyRow } from '../result.js';

export interface AccuracyRowView {
  readonly name: string;
  readonly n: string;
  readonly accuracy: string;
  readonly accuracyCi: string;
  readonly groupAccuracy: string;
  readonly groupAccuracyCi: string;
  readonly unparsed: string;
  readonly cls: string;
}

export interface ScenariosView {
  readonly judgeName: string;
  readonly lede: string;
  readonly headline: readonly { label: string; value: string; ci: string; note: string }[];
  readonly groups: readonly AccuracyRowView[];
  readonly scenarios: readonly AccuracyRowView[];
  readonly confusion: {
    readonly columns: readonly string[];
    readonly rows: readonly {
      readonly label: string;
      readonly total: string;
      readonly cells: readonly { text: string; style: string; cls: string }[];
    }[];
  };
  readonly facts: readonly Fact[];
  readonly definitions: readonly { term: string; text: string }[];
  readonly notes: readonly string[];
}

function row(name: string, r: AccuracyRow & Partial<AccuracyIntervals>, cls = ''): AccuracyRowView {
  return {
    name,
    n: int(r.n),
    accuracy: percent(r.accuracy),
    accuracyCi: interval(r.accuracyCi95 ?? null, 1),
    groupAccuracy: percent(r.groupAccuracy),
    groupAccuracyCi: interval(r.groupAccuracyCi95 ?? null, 1),
    unparsed: int(r.unparsed),
    cls,
  };
}

export function scenariosView(r: ScenariosRunResult): ScenariosView {
  const o = r.overall;
  const c = r.confusion;
  const facts: Fact[] = [
    fact('Classifier', r.judge.name, r.judge.description),
    fact(
      'Data',
      r.dataset.name,
      `${int(r.dataset.queries)} queries of ${int(r.dataset.scenarios)} scenarios (${int(r.dataset.labels)} labels)`,
    ),
    ...runFacts(r.inputs, manifestOf(r), r.bootstrap),
  ];
  return {
    judgeName: r.judge.name,
    lede: `${r.judge.name} on the scenario classifier's test set: ${int(o.n)} queries, ${int(o.unparsed)} without a label.`,
    headline: [
      {
        label: 'Accuracy',
        value: percent(o.accuracy),
        ci: interval(o.accuracyCi95, 2),
        note: `${int(o.correct)} of ${int(o.n)} queries`,
      },
      {
        label: 'Group accuracy',
        value: percent(o.groupAccuracy),
        ci: interval(o.groupAccuracyCi95, 2),
        note: `${int(o.groupCorrect)} in their own group`,
      },
      { label: 'Unparsed', value: int(o.unparsed), ci: '', note: 'answers that are not a label: wrong' },
    ],
    groups: [...r.groups.map((g) => row(g.group, g)), row('Overall', o, 'total')],
    scenarios: r.scenarios.map((s) => row(`${s.group} · ${s.scenario}`, s)),
    confusion: {
      columns: [...c.order, 'no label'],
      rows: c.order.map((label, i) => {
        const counts = [...(c.counts[i] ?? []), c.unparsed[i] ?? 0];
        const total = counts.reduce((s, x) => s + x, 0);
        return {
          label,
          total: int(total),
          cells: counts.map((x, j) => ({
            text: int(x),
            style: `--shade: ${(total > 0 ? x / total : 0).toFixed(3)}`,
            cls: j === i ? 'diag' : '',
          })),
        };
      }),
    },
    facts,
    definitions: Object.entries(r.definitions).map(([term, text]) => ({ term, text })),
    notes: [...r.notes],
  };
}
