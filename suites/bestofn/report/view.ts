/**
 * The Best-of-N suite's report page: per N, the rater's mean rating of the judge's picks
 * against a random pick and the best pick, with intervals, overall and per base model, and
 * the correlation of the judge's and the rater's ratings. Formatting only; the templates
 * escape every text.
 */
import { int, interval, num } from '../../../harness/report/format.js';
import { manifestOf, runFacts } from '../../../harness/report/index.js';
import { fact, type Fact } from '../../../harness/report/views/page.js';
import type { BestOfNResult, SelectionRow } from '../result.js';

export interface SelectionRowView {
  readonly size: string;
  readonly sets: string;
  readonly judgePick: string;
  readonly judgePickCi: string;
  readonly randomPick: string;
  readonly randomPickCi: string;
  readonly bestPick: string;
  readonly bestPickCi: string;
  readonly gain: string;
  readonly gainCi: string;
  readonly tiedPicks: string;
  readonly left: string;
}

export interface BestOfNView {
  readonly judgeName: string;
  readonly lede: string;
  readonly overall: readonly SelectionRowView[];
  readonly byModel: readonly { model: string; rows: readonly SelectionRowView[] }[];
  readonly correlation: readonly Fact[];
  readonly facts: readonly Fact[];
  readonly definitions: readonly { term: string; text: string }[];
  readonly notes: readonly string[];
}

function row(r: SelectionRow): SelectionRowView {
  return {
    size: `N = ${r.size}`,
    sets: int(r.sets),
    judgePick: num(r.judgePick, 3),
    judgePickCi: interval(r.judgePickCi95, 2),
    randomPick: num(r.randomPick, 3),
    randomPickCi: interval(r.randomPickCi95, 2),
    bestPick: num(r.bestPick, 3),
    bestPickCi: interval(r.bestPickCi95, 2),
    gain: num(r.gain, 3),
    gainCi: interval(r.gainCi95, 2),
    tiedPicks: int(r.tiedPicks),
    left: int(r.noPick + r.pickUnrated),
  };
}

export function bestOfNView(r: BestOfNResult): BestOfNView {
  const c = r.correlation;
  const corr = (name: string, v: { value: number | null; reason?: string }) =>
    fact(name, num(v.value, 3), v.reason ?? `over ${int(c.n)} candidates both rated`);
  return {
    judgeName: r.judge.name,
    lede: `${r.judge.name} picks the best of N responses to ${int(r.dataset.queries)} queries from ${int(r.dataset.models.length)} base models; ${r.rater.name} rates the picks.`,
    overall: r.overall.map(row),
    byModel: r.byModel.map((m) => ({ model: m.model, rows: m.rows.map(row) })),
    correlation: [
      corr('Spearman', c.spearman),
      corr('Kendall', c.kendall),
      corr('Pearson', c.pearson),
      fact(
        'Unrated',
        `${int(r.unrated.judge)} by the judge, ${int(r.unrated.rater)} by the rater`,
        `of ${int(r.unrated.candidates)} candidates`,
      ),
    ],
    facts: [
      fact('Judge (picks)', r.judge.name, `${r.judge.mode}: ${r.judge.description}`),
      fact('Rater (rates the picks)', r.rater.name, `${r.rater.mode}: ${r.rater.description}`),
      fact('Data', r.dataset.name, `${int(r.dataset.candidates)} candidates per set`),
      fact('Subset', r.subset),
      fact('Ties', r.tieBreak),
      ...runFacts(r.inputs, manifestOf(r), r.bootstrap),
    ],
    definitions: Object.entries(r.definitions).map(([term, text]) => ({ term, text })),
    notes: [...r.notes],
  };
}
