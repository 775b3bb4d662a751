import type { Verdict } from '../../../harness/core/types.js';
import type { GroupRow, MetricsRow, PairwiseResult } from '../result.js';
import { barsWithRule, scatterChart, type ScatterPoint } from '../../../harness/report/charts.js';
import {
  baseName,
  dateTime,
  duration,
  int,
  interval,
  isNumber,
  MISSING,
  num,
  percent,
  plural,
  shortHash,
} from '../../../harness/report/format.js';
import { pValue } from '../../../harness/core/text-table.js';
import type { ChartView } from '../../../harness/report/views/common.js';
import { fact, type Fact } from '../../../harness/report/views/page.js';

export interface HeadlineView {
  readonly label: string;
  readonly value: string;
  readonly ci: string;
  readonly note: string;
}

export interface JudgeRowView {
  readonly judge: string;
  readonly kind: string;
  readonly agreement: string;
  readonly consistency: string;
  /** Cohen's kappa with its interval ('–' for published judges: not published) */
  readonly kappa: string;
  readonly kappaCi: string;
  readonly cls: string;
}

export interface GroupRowView {
  readonly group: string;
  readonly n: string;
  readonly agreement: string;
  readonly agreementCi: string;
  readonly consistency: string;
  readonly consistencyCi: string;
  readonly agreementNonTie: string;
  readonly firstRate: string;
  readonly tieRate: string;
  readonly unparsed: string;
  readonly cls: string;
}

export interface ConfusionView {
  readonly columns: readonly string[];
  readonly rows: readonly {
    readonly label: string;
    readonly total: string;
    readonly cells: readonly { text: string; note: string; style: string; cls: string }[];
  }[];
  readonly note: string;
}

export interface PairwiseView {
  readonly judgeName: string;
  readonly description: string;
  readonly lede: string;
  readonly headline: readonly HeadlineView[];
  readonly facts: readonly Fact[];
  readonly judges: readonly JudgeRowView[];
  readonly judgesNote: string;
  readonly judgesChart: ChartView | null;
  readonly groups: readonly GroupRowView[];
  readonly confusion: ConfusionView;
  readonly positionBias: readonly Fact[];
  readonly positionNote: string;
  readonly positionChart: ChartView | null;
  readonly scenarios: readonly GroupRowView[];
  readonly definitions: readonly { term: string; text: string }[];
  readonly notes: readonly string[];
}

const BASELINE_LABEL: Readonly<Record<string, string>> = {
  length: 'Length ruler (longer wins)',
  first: 'First shown always wins',
  tie: 'Always a tie',
};

const VERDICT_LABEL: Record<Verdict, string> = { first: 'Response 1', second: 'Response 2', tie: 'Tie' };
const LABEL_LABEL: Record<Verdict, string> = {
  first: 'Response 1 better',
  second: 'Response 2 better',
  tie: 'Tie',
};

/** The judge under test is called by its description when its name is a mode ("recorded"). */
export function pairwiseTitle(r: PairwiseResult): string {
  return r.judge.name;
}

function groupRow(
  g: MetricsRow & {
    agreementCi95?: readonly [number, number] | null;
    consistencyCi95?: readonly [number, number] | null;
  },
  name: string,
  cls = '',
): GroupRowView {
  return {
    group: name,
    n: int(g.n),
    agreement: percent(g.agreement),
    agreementCi: interval(g.agreementCi95 ?? null, 1),
    consistency: percent(g.consistency),
    consistencyCi: interval(g.consistencyCi95 ?? null, 1),
    agreementNonTie: percent(g.agreementNonTie, 1),
    firstRate: percent(g.firstRate, 1),
    tieRate: percent(g.tieRate, 1),
    unparsed: int(g.unparsedPairs),
    cls,
  };
}

export function pairwiseView(r: PairwiseResult): PairwiseView {
  const o = r.overall;
  const thisName = `${r.judge.name} (this run)`;
  const judgeRows: JudgeRowView[] = [
    ...r.references.map((ref) => ({
      judge: ref.judge,
      kind: ref.kind,
      agreement: percent(ref.agreement),
      consistency: percent(ref.consistency),
      kappa: MISSING,
      kappaCi: '',
      cls: '',
      sort: ref.agreement,
    })),
    {
      judge: thisName,
      kind: `${r.judge.mode} verdicts`,
      agreement: percent(o.agreement),
      consistency: percent(o.consistency),
      kappa: num(o.kappa, 3),
      kappaCi: interval(o.kappaCi95, 3),
      cls: 'this',
      sort: o.agreement ?? -1,
    },
    // the trivial rulers, scored on the same pairs in this run
    ...(r.baselines ?? []).map((b) => ({
      judge: BASELINE_LABEL[b.name] ?? b.name,
      kind: 'baseline',
      agreement: percent(b.agreement),
      consistency: MISSING,
      kappa: num(b.kappa, 3),
      kappaCi: interval(b.kappaCi95, 3),
      cls: 'baseline',
      sort: b.agreement ?? -1,
    })),
  ]
    .sort((a, b) => b.sort - a.sort)
    .map(({ sort: _sort, ...row }) => row);

  // The judge under test first, so its label is placed before the others.
  const judgePoints: ScatterPoint[] = [];
  if (isNumber(o.consistency) && isNumber(o.agreement)) {
    judgePoints.push({ x: o.consistency, y: o.agreement, label: thisName, labelled: true, highlight: true });
  }
  for (const ref of r.references) {
    if (isNumber(ref.consistency))
      judgePoints.push({ x: ref.consistency, y: ref.agreement, label: ref.judge, labelled: true });
  }

  const order = o.confusion.order;
  const confusion: ConfusionView = {
    columns: [...order.map((v) => VERDICT_LABEL[v]), 'no verdict'],
    rows: order.map((label, i) => {
      const counts = o.confusion.counts[i] ?? [];
      const unparsed = o.confusion.unparsed[i] ?? 0;
      const total = counts.reduce((s, c) => s + c, 0) + unparsed;
      const cells = [...counts, unparsed].map((c, j) => {
        const share = total > 0 ? c / total : 0;
        return {
          text: int(c),
          note: total > 0 ? percent(100 * share, 0) : '',
          style: `--shade: ${share.toFixed(3)}`,
          cls: j === i ? 'diag' : '',
        };
      });
      return { label: LABEL_LABEL[label], total: int(total), cells };
    }),
    note: 'Rows: the human label. Columns: the judge’s verdict with the responses in the given order. The diagonal is agreement in that order alone; shading is the share of the row.',
  };

  const pb = o.positionBias;
  const positionBias: Fact[] = pb
    ? [
        fact(
          'Picks the first shown',
          percent(pb.firstRate, 1),
          `of ${int(pb.nDecisive)} decisive verdicts (both orders); 50% means no position bias`,
        ),
        fact(
          'First in both orders',
          int(pb.firstBoth),
          'pairs where the judge picked whichever response came first',
        ),
        fact(
          'Second in both orders',
          int(pb.secondBoth),
          'pairs where the judge picked whichever response came second',
        ),
      ]
    : [];
  const groupsWithRate = r.groups.filter((g) => isNumber(g.firstRate));
  const positionChart: ChartView | null =
    pb && groupsWithRate.length > 0
      ? {
          title: 'Share of decisive verdicts that pick the response shown first',
          caption:
            'Per scenario group, both orders pooled. Bars start at 50% (no bias): to the right the judge favours the first position, to the left the second.',
          svg: barsWithRule(
            [
              ...groupsWithRate.map((g: GroupRow) => ({
                label: g.group,
                value: g.firstRate!,
                title: `${g.group}: ${percent(g.firstRate, 1)}`,
              })),
              ...(isNumber(o.firstRate)
                ? [{ label: 'Overall', value: o.firstRate, title: `Overall: ${percent(o.firstRate, 1)}` }]
                : []),
            ],
            {
              xLabel: 'verdicts for the first-shown response (%)',
              rule: 50,
              domain: positionDomain([...groupsWithRate.map((g) => g.firstRate!), o.firstRate ?? 50]),
              description: 'Bar chart of position bias per scenario group',
              width: 400,
            },
          ),
          narrow: '',
        }
      : null;

  const m = r.manifest;
  // Every file read is listed once, under Input with its sha256: a recorded judge's
  // description names its files, so the Judge line does not repeat it.
  const facts: Fact[] = [
    fact(
      'Judge',
      r.judge.name,
      r.judge.mode === 'recorded'
        ? 'verdicts read from the recorded files (Input below)'
        : r.judge.description,
    ),
    fact(
      'Mode',
      r.judge.mode,
      r.protocol === 'single'
        ? `single-rating protocol, tie margin ${num(r.judge.tieMargin, 2)}`
        : 'pairwise protocol, both orders',
    ),
    fact(
      'Data',
      datasetName(r),
      `${int(r.dataset.pairs)} pairs, ${int(r.dataset.scenarios)} scenarios, ${int(r.dataset.groups)} groups`,
    ),
    fact(
      'Bootstrap',
      `${int(r.bootstrap.resamples)} resamples`,
      `seed ${r.bootstrap.seed}; ${r.bootstrap.method}`,
    ),
    ...r.inputs.map((i) => fact('Input', baseName(i.file), `sha256 ${shortHash(i.sha256)}`)),
    ...(m
      ? [
          fact('Finished', dateTime(m.finishedAt), `took ${duration(m.durationMs)}`),
          fact(
            'Harness',
            m.harnessVersion,
            m.gitCommit ? `commit ${shortHash(m.gitCommit)}` : 'no git commit recorded',
          ),
        ]
      : []),
  ];

  return {
    judgeName: r.judge.name,
    description: r.judge.description,
    lede: `${r.judge.name} on the ${datasetName(r)}: ${plural(o.n, 'pair')} with human labels, judged in both orders.`,
    headline: [
      {
        label: 'Agreement',
        value: percent(o.agreement),
        ci: interval(o.agreementCi95, 2),
        note: 'both orders match the human label',
      },
      {
        label: 'Consistency',
        value: percent(o.consistency),
        ci: interval(o.consistencyCi95, 2),
        note: o.consistencyNote ?? 'same verdict after swapping the responses',
      },
      {
        label: 'Agreement without human ties',
        value: percent(o.agreementNonTie),
        ci: '',
        note: `${int(o.nNonTie)} pairs`,
      },
      { label: 'Judge ties', value: percent(o.tieRate), ci: '', note: `humans: ${percent(o.humanTieRate)}` },
      {
        label: 'Kappa',
        value: num(o.kappa, 3),
        ci: interval(o.kappaCi95, 3),
        note: "Cohen's kappa against the human label",
      },
      ...(r.versusLength
        ? [
            {
              label: 'McNemar p vs length ruler',
              value: pValue(r.versusLength.p),
              ci: '',
              note: `right where the ruler is wrong on ${int(r.versusLength.judgeOnly)} pairs, the reverse on ${int(r.versusLength.rulerOnly)}`,
            },
          ]
        : []),
    ],
    facts,
    judges: judgeRows,
    judgesNote: r.referenceSource,
    judgesChart:
      judgePoints.length >= 2
        ? {
            title: 'Agreement against consistency',
            caption:
              'Published pairwise judges on the same pairs, and this run (orange). Reward models rate each response alone and have no consistency, so they are not drawn.',
            svg: scatterChart(judgePoints, {
              xLabel: 'consistency (%)',
              yLabel: 'agreement (%)',
              description: 'Scatter plot of agreement against consistency for each judge',
              width: 400,
              height: 340,
            }),
            narrow: '',
          }
        : null,
    groups: [...r.groups.map((g) => groupRow(g, g.group)), groupRow(o, 'Overall', 'total')],
    confusion,
    positionBias,
    positionNote: pb
      ? ''
      : 'Position bias does not apply under the single-rating protocol: each response is rated on its own.',
    positionChart,
    scenarios: r.scenarios.map((s) => groupRow(s, `${s.group} · ${s.scenario}`)),
    definitions: Object.entries(r.definitions).map(([term, text]) => ({ term, text })),
    notes: [...r.notes],
  };
}

/**
 * The data set by name, without the file it was read from (that file is an Input of the
 * run, listed once with its hash): `Auto-J pairwise test set (GAIR-NLP/auto-j)`.
 */
function datasetName(r: PairwiseResult): string {
  const read = new Set(r.inputs.map((i) => baseName(i.file)));
  return r.dataset.name
    .replace(/\(([^()]*)\)\s*$/, (whole, inside: string) => {
      const kept = inside
        .split(',')
        .map((part) => part.trim())
        .filter((part) => !read.has(baseName(part)));
      return kept.length > 0 ? `(${kept.join(', ')})` : '';
    })
    .trim();
}

function positionDomain(values: readonly number[]): [number, number] {
  const spread = Math.max(10, ...values.map((v) => Math.abs(v - 50)));
  const half = Math.ceil(spread / 5) * 5;
  return [50 - half, 50 + half];
}
