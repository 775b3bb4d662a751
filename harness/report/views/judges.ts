import type { JudgeFigure, JudgeRow, JudgeTable } from '../../leaderboard/judges.js';
import { columnGroups, NOT_RUN } from '../../leaderboard/judges.js';
import { pValue } from '../../core/text-table.js';
import { dateTime, interval, num, sortKey } from '../format.js';
import { cell, header, numCell, type CellView, type HeaderView, type RowView } from './table.js';
import { fact, type Fact } from './page.js';

/** A sortable table as the sortable-table partial prints it. */
export interface SortableTableView {
  readonly id: string;
  readonly filter: string;
  readonly count: string;
  readonly headers: readonly HeaderView[];
  readonly rows: readonly RowView[];
}

/**
 * The judge leaderboard page: one table per suite (a row per judge, every figure with its
 * interval), then each judge's parse failures, speed and the runs its figures come from.
 */
export interface JudgesView {
  readonly empty: boolean;
  readonly groups: readonly {
    readonly title: string;
    readonly description: string;
    readonly table: SortableTableView;
  }[];
  readonly summary: SortableTableView;
  readonly definitions: readonly Fact[];
}

export function judgesView(table: JudgeTable): JudgesView {
  const judgeCell = (r: JudgeRow) => cell(r.judge, r.judge.toLowerCase(), { cls: 'model' });
  const judgeHeader = () => header('Judge', 'text', 'the judge profile', { sorted: true });
  const count = `${table.rows.length} judge${table.rows.length === 1 ? '' : 's'}`;
  const groups = columnGroups(table.columns).map(({ suite, table: subtable, columns }, n) => {
    return {
      title: subtable ? `${suite}: ${subtable}` : suite,
      description: subtable ? '' : (table.suites?.find((s) => s.name === suite)?.description ?? ''),
      table: {
        id: subtable ? `judges-${suite}-${n}` : `judges-${suite}`,
        filter: '',
        count,
        headers: [judgeHeader(), ...columns.map((c) => header(c.label, 'num', columnTitle(c.kind)))],
        rows: table.rows.map((r) => ({
          cells: [judgeCell(r), ...columns.map((c) => figureCell(r.figures[c.key]))],
          filter: r.judge.toLowerCase(),
          cls: r.sources.some((s) => s.suite === suite) ? '' : 'muted',
        })),
      },
    };
  });
  const summary: SortableTableView = {
    id: 'judges-summary',
    filter: '',
    count,
    headers: [
      judgeHeader(),
      header('Parse failures', 'num', table.definitions['parseFailure'] ?? '', { first: 'ascending' }),
      header('Judgments/s', 'num', 'timed judgments / wall time of their intervals (see definitions)'),
      header('GPU-s / 1k', 'num', 'GPU-seconds per 1,000 judgments (see definitions)', {
        first: 'ascending',
      }),
      header('Runs used', 'text', table.definitions['run'] ?? ''),
    ],
    rows: table.rows.map((r) => ({
      cells: [
        judgeCell(r),
        r.parseFailure
          ? numCell(`${num(r.parseFailure.rate, 2)}%`, sortKey(r.parseFailure.rate), {
              title: `${r.parseFailure.unparsed} of ${r.parseFailure.requested} verdicts unreadable`,
            })
          : notRun(),
        r.speed
          ? numCell(num(r.speed.perSecond, 2), sortKey(r.speed.perSecond), { title: speedTitle(r) })
          : notRun(),
        r.speed
          ? numCell(num(r.speed.gpuSecondsPer1000, 1), sortKey(r.speed.gpuSecondsPer1000), {
              title: speedTitle(r),
            })
          : notRun(),
        cell(runsText(r), ''),
      ],
      filter: r.judge.toLowerCase(),
      cls: '',
    })),
  };
  return {
    empty: table.rows.length === 0,
    groups,
    summary,
    definitions: Object.entries(table.definitions).map(([k, v]) => fact(DEFINITION_LABELS[k] ?? k, v)),
  };
}

const DEFINITION_LABELS: Readonly<Record<string, string>> = {
  run: 'Runs used',
  baseline: 'Ruler rows',
  parseFailure: 'Parse failures',
  speed: 'Speed',
  notRun: 'Not run',
};

function columnTitle(kind: JudgeFigure['kind']): string {
  return kind === 'percent'
    ? 'percent, with its 95% bootstrap interval'
    : kind === 'p'
      ? 'exact two-sided p-value'
      : 'coefficient (-1..1), with its 95% bootstrap interval';
}

function notRun(): CellView {
  return numCell(NOT_RUN, '', { cls: 'muted' });
}

function figureCell(f: JudgeFigure | undefined): CellView {
  if (!f) return notRun();
  const digits = f.kind === 'percent' ? 2 : 3;
  const text =
    f.kind === 'p'
      ? pValue(f.value)
      : f.kind === 'percent' && f.value !== null
        ? `${num(f.value, digits)}%`
        : num(f.value, digits);
  const title = [f.n !== undefined ? `n = ${f.n}` : '', f.warning ?? '', f.note ?? '']
    .filter(Boolean)
    .join('; ');
  return numCell(f.warning ? `${text} ⚠` : text, sortKey(f.value), {
    note: f.ci95 ? interval(f.ci95, digits) : '',
    title,
    ...(f.warning ? { cls: 'warn' } : {}),
  });
}

function speedTitle(r: JudgeRow): string {
  const s = r.speed!;
  return `${s.judgments} timed judgments on ${s.endpoints} endpoint${s.endpoints === 1 ? '' : 's'}; mean latency ${num(s.meanLatencySeconds, 2)} s`;
}

function runsText(r: JudgeRow): string {
  return r.sources
    .map(
      (s) =>
        `${s.suite}: ${dateTime(s.finishedAt)}${s.complete ? '' : ' (partial run)'}${s.baselineOf ? ` (scored in ${s.baselineOf}'s run)` : ''}`,
    )
    .join(' · ');
}
