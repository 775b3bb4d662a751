/**
 * The critique suite's report page: win / tie / lose of the judge's critiques overall and
 * per group with their intervals, the published figures beside them, and each item's two
 * critiques side by side with the comparator's answer (its decision and reason). Every
 * figure is the result's; this only formats it. Texts are untrusted: the templates escape
 * them (`{{...}}`), nothing here builds HTML.
 */
import { int, interval, percent } from '../../../harness/report/format.js';
import { manifestOf, runFacts } from '../../../harness/report/index.js';
import { fact, type Fact } from '../../../harness/report/views/page.js';
import type { CritiqueItemRow, CritiqueResult, OutcomeRates, RateIntervals } from '../result.js';

export interface CritiqueRowView {
  readonly group: string;
  readonly n: string;
  readonly win: string;
  readonly winCi: string;
  readonly tie: string;
  readonly tieCi: string;
  readonly lose: string;
  readonly loseCi: string;
  readonly unparsed: string;
  readonly missing: string;
  readonly published: string;
  readonly cls: string;
}

export interface CritiqueItemView {
  readonly index: number;
  readonly scenario: string;
  readonly group: string;
  readonly outcome: string;
  /** the reference won: the badge is shown as a low one */
  readonly low: boolean;
  readonly order: string;
  /** the judge's critique and the reference, each with its Feedback number */
  readonly judgeLabel: string;
  readonly critique: string;
  readonly critiqueNote: string;
  readonly referenceLabel: string;
  readonly reference: string;
  readonly answer: string;
  readonly answerNote: string;
}

export interface CritiqueView {
  readonly judgeName: string;
  readonly lede: string;
  readonly headline: readonly { label: string; value: string; ci: string; note: string }[];
  readonly groups: readonly CritiqueRowView[];
  readonly published: readonly { critic: string; win: string; tie: string; lose: string; cls: string }[];
  readonly publishedSource: string;
  readonly items: readonly CritiqueItemView[];
  readonly facts: readonly Fact[];
  readonly definitions: readonly { term: string; text: string }[];
  readonly notes: readonly string[];
}

const OUTCOME_LABEL = {
  win: "judge's critique better",
  tie: 'neither better',
  lose: 'reference better',
} as const;

function row(
  name: string,
  r: OutcomeRates & RateIntervals,
  published: number | undefined,
  cls = '',
): CritiqueRowView {
  return {
    group: name,
    n: int(r.n),
    win: percent(r.win),
    winCi: interval(r.winCi95, 1),
    tie: percent(r.tie),
    tieCi: interval(r.tieCi95, 1),
    lose: percent(r.lose),
    loseCi: interval(r.loseCi95, 1),
    unparsed: int(r.unparsed),
    missing: int(r.missing),
    // as the authors print it (73.7, 83.33)
    published: published === undefined ? '' : `${published}%`,
    cls,
  };
}

function itemView(item: CritiqueItemRow): CritiqueItemView {
  const judgeFeedback = item.exchange ? 2 : 1;
  return {
    index: item.index,
    scenario: item.scenario,
    group: item.group,
    outcome: item.outcome === null ? 'no vote' : OUTCOME_LABEL[item.outcome],
    low: item.outcome === 'lose',
    order: `the judge's critique was Feedback ${judgeFeedback}, the reference Feedback ${3 - judgeFeedback}`,
    judgeLabel: `Judge's critique (Feedback ${judgeFeedback})`,
    critique: item.critique ?? '',
    critiqueNote:
      item.critique === null ? 'not in the result (a recorded run without --critiques, or no critique)' : '',
    referenceLabel: `Reference, ChatGPT (Feedback ${3 - judgeFeedback})`,
    reference: item.reference,
    answer: item.answer ?? '',
    answerNote: item.problem ?? (item.answer === null ? 'no answer' : ''),
  };
}

/** What was compared, by whom. */
function lede(r: CritiqueResult): string {
  const n = int(r.overall.items);
  return r.judge.mode === 'live'
    ? `${r.judge.name}'s critiques of ${n} responses against ChatGPT's, compared by ${r.comparator.model ?? r.comparator.name}`
    : `Recorded ${r.judge.description}: a judge's critiques of ${n} responses against ChatGPT's`;
}

export function critiqueView(r: CritiqueResult): CritiqueView {
  const o = r.overall;
  const mine = r.published.find((p) => p.language === r.language && /Auto-J \(Ours\)|^Auto-J/.test(p.critic));
  const facts: Fact[] = [
    fact('Judge', r.judge.name, r.judge.description),
    fact(
      'Mode',
      r.judge.mode,
      r.judge.mode === 'live' ? 'critiques written and compared in this run' : 'comparisons read from a file',
    ),
    fact('Comparator', r.comparator.model ?? r.comparator.name, r.comparator.description),
    fact(
      'Data',
      r.dataset.name,
      `${int(r.dataset.items)} responses, ${int(r.dataset.scenarios)} scenarios, ${int(r.dataset.groups)} groups (${r.language})`,
    ),
    fact(
      'Order',
      r.order.source === 'seeded' ? `seeded (seed ${r.order.seed})` : 'recorded',
      `${int(r.order.exchanged)} of ${int(r.items.length)} with the reference first; ${r.order.method}`,
    ),
    ...runFacts(r.inputs, manifestOf(r), r.bootstrap),
  ];
  return {
    judgeName: r.judge.name,
    lede: `${lede(r)}: ${int(o.n)} votes, ${int(o.unparsed)} answers without a decision, ${int(o.missing)} not compared.`,
    headline: [
      {
        label: 'Win',
        value: percent(o.win),
        ci: interval(o.winCi95, 2),
        note: `${int(o.wins)} of ${int(o.n)} votes`,
      },
      { label: 'Tie', value: percent(o.tie), ci: interval(o.tieCi95, 2), note: `${int(o.ties)} votes` },
      { label: 'Lose', value: percent(o.lose), ci: interval(o.loseCi95, 2), note: `${int(o.losses)} votes` },
      {
        label: 'No vote',
        value: int(o.unparsed + o.missing),
        ci: '',
        note: `${int(o.unparsed)} unparsed, ${int(o.missing)} missing`,
      },
    ],
    groups: [
      ...r.groups.map((g) => row(g.group, g, mine?.groups?.[g.group])),
      row('Overall', o, mine?.win, 'total'),
    ],
    published: r.published
      .filter((p) => p.language === r.language)
      .map((p) => ({
        critic: p.critic,
        win: percent(p.win, 1),
        tie: percent(p.tie, 1),
        lose: percent(p.lose, 1),
        cls: '',
      })),
    publishedSource: r.publishedSource,
    items: r.items.map(itemView),
    facts,
    definitions: Object.entries(r.definitions).map(([term, text]) => ({ term, text })),
    notes: [...r.notes],
  };
}
