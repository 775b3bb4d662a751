import type { LeaderboardHistory, LeaderboardSnapshot } from '../../../harness/leaderboard/types.js';
import { timeSeriesChart, type SeriesPoint } from '../../../harness/report/charts.js';
import {
  int,
  isNumber,
  MISSING,
  num,
  plural,
  scoreDigits,
  signed,
  sortKey,
} from '../../../harness/report/format.js';
import { chartView, NARROW_CHART, type ChartView } from '../../../harness/report/views/common.js';
import { referenceShort } from './common.js';
import { cell, header, numCell, type HeaderView, type RowView } from '../../../harness/report/views/table.js';

export interface SnapshotView {
  readonly date: string;
  readonly models: string;
  readonly added: string;
  readonly addedNames: readonly string[];
  readonly removed: string;
  readonly removedNames: readonly string[];
  readonly changed: string;
  readonly moves: string;
  readonly correlations: readonly { text: string; note: string }[];
  /** `bench runs diff` of the previous snapshot's run and this one's; '' unless both name a run */
  readonly diff: string;
}

export interface HistoryView {
  readonly judgeName: string;
  readonly lede: string;
  readonly charts: readonly ChartView[];
  readonly references: readonly string[];
  readonly snapshots: readonly SnapshotView[];
  readonly entryHeaders: readonly HeaderView[];
  readonly entryRows: readonly RowView[];
  readonly entryCount: string;
  readonly moveHeaders: readonly HeaderView[];
  readonly moveRows: readonly RowView[];
  readonly moveNote: string;
}

const MAX_MOVES = 60;

function dateOf(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

/**
 * A judge's leaderboard over time: how its correlation with each reference moved, when
 * each model entered, and which ranks moved. `modelHref` links a model to its page when
 * the current site has one.
 */
export function historyView(history: LeaderboardHistory, modelHref: (model: string) => string): HistoryView {
  const snaps = [...history.snapshots].sort((a, b) => a.date.localeCompare(b.date));
  const latest = snaps[snaps.length - 1];
  const references = [...new Set(snaps.flatMap((s) => s.correlations.map((c) => c.reference)))];

  // One line per reference, named by its short name unless two references share it.
  const shorts = references.map(referenceShort);
  const seriesName = (ref: string) => {
    const short = referenceShort(ref);
    return shorts.filter((x) => x === short).length > 1 ? ref : short;
  };
  const points: SeriesPoint[] = snaps.flatMap((s) =>
    s.correlations
      .filter((c) => isNumber(c.spearman.value))
      .map((c) => {
        const ci = c.spearman.ci95;
        return {
          date: dateOf(s.date),
          series: seriesName(c.reference),
          value: c.spearman.value!,
          ...(ci ? { lo: ci[0], hi: ci[1] } : {}),
          title: `${s.date} · ${seriesName(c.reference)}: Spearman ${num(c.spearman.value, 3)} (${c.n} models)`,
        };
      }),
  );
  const counts: SeriesPoint[] = snaps.map((s) => ({
    date: dateOf(s.date),
    series: 'ranked models',
    value: s.models.filter((m) => m.rank !== null).length,
    title: `${s.date}: ${plural(s.models.filter((m) => m.rank !== null).length, 'ranked model')}`,
  }));
  const charted = [...new Set(points.map((p) => p.series))];
  const charts: ChartView[] = [];
  if (points.length > 0) {
    charts.push(
      chartView(
        charted.length === 1
          ? `Spearman correlation with ${charted[0]} over time`
          : 'Spearman correlation with each reference over time',
        'One point per snapshot; a value holds until the next snapshot. The band is the 95% bootstrap interval.',
        (size) =>
          timeSeriesChart(points, {
            yLabel: 'Spearman ρ',
            description: `Line chart of ${history.judge}'s Spearman correlation per reference over time`,
            width: 1100,
            height: 320,
            ...size,
          }),
        { ...NARROW_CHART, height: 280 },
      ),
    );
  }
  if (counts.length > 0) {
    charts.push(
      chartView(
        'Models on the leaderboard',
        'Ranked models in each snapshot: the leaderboard grows as new submissions are judged.',
        (size) =>
          timeSeriesChart(counts, {
            yLabel: 'ranked models',
            description: 'Line chart of the number of ranked models over time',
            width: 1100,
            height: 200,
            ...size,
          }),
        { ...NARROW_CHART, height: 200 },
      ),
    );
  }

  const snapshots: SnapshotView[] = snaps.map((s, i) => snapshotView(s, references, snaps[i - 1])).reverse();

  const digits = scoreDigits(latest ? latest.models.map((m) => m.score) : []);
  const entryHeaders = [
    header('Entered', 'text', 'date the model entered the leaderboard', {
      first: 'descending',
      sorted: true,
    }),
    header('Model', 'text', ''),
    header('Rank now', 'num', 'rank in the latest snapshot', { first: 'ascending' }),
    header('Score now', 'num', ''),
  ];
  const entryRows: RowView[] = (latest?.models ?? [])
    .slice()
    .sort((a, b) => b.since.localeCompare(a.since) || (a.rank ?? Infinity) - (b.rank ?? Infinity))
    .map((m) => ({
      filter: m.model.toLowerCase(),
      cls: '',
      cells: [
        cell(m.since, m.since, { cls: 'date' }),
        cell(m.model, m.model.toLowerCase(), { href: modelHref(m.model), cls: 'model' }),
        numCell(m.rank === null ? MISSING : String(m.rank), sortKey(m.rank)),
        numCell(num(m.score, digits), sortKey(m.score)),
      ],
    }));

  const moves = snaps
    .flatMap((s, i) => {
      const net = netMoves(snaps[i - 1], s);
      return (s.changes?.rankMoves ?? []).map((mv) => ({
        date: s.date,
        ...mv,
        delta: mv.from - mv.to,
        net: net.get(mv.model) ?? 0,
      }));
    })
    .filter((mv) => mv.delta !== 0)
    .sort(
      (a, b) =>
        b.date.localeCompare(a.date) ||
        Math.abs(b.net) - Math.abs(a.net) ||
        Math.abs(b.delta) - Math.abs(a.delta),
    );
  const shown = moves.slice(0, MAX_MOVES);
  const moveHeaders = [
    header('Date', 'text', 'snapshot where the rank moved', { first: 'descending', sorted: true }),
    header('Model', 'text', ''),
    header('From', 'num', 'rank in the previous snapshot', { first: 'ascending' }),
    header('To', 'num', 'rank in this snapshot', { first: 'ascending' }),
    header('Move', 'num', 'places gained (+) or lost (−)'),
    header(
      'Net of new entries',
      'num',
      'places gained or lost among the models ranked in both snapshots: a move the new entries do not explain',
    ),
  ];
  const arrow = (d: number) => (d > 0 ? `▲ ${d}` : d < 0 ? `▼ ${-d}` : '=');
  const moveRows: RowView[] = shown.map((mv) => ({
    filter: mv.model.toLowerCase(),
    cls: '',
    cells: [
      cell(mv.date, mv.date, { cls: 'date' }),
      cell(mv.model, mv.model.toLowerCase(), { href: modelHref(mv.model), cls: 'model' }),
      numCell(String(mv.from), String(mv.from)),
      numCell(String(mv.to), String(mv.to)),
      numCell(arrow(mv.delta), String(mv.delta), { cls: mv.delta > 0 ? 'up' : 'down' }),
      numCell(arrow(mv.net), String(mv.net), { cls: mv.net > 0 ? 'up' : mv.net < 0 ? 'down' : 'same' }),
    ],
  }));
  const netMoved = moves.filter((mv) => mv.net !== 0).length;

  return {
    judgeName: history.judge,
    lede:
      snaps.length > 0
        ? `${plural(snaps.length, 'snapshot')} of the ${history.judge} leaderboard, ${snaps[0]!.date} to ${latest!.date}.`
        : `No snapshots of the ${history.judge} leaderboard yet.`,
    charts,
    references: references.map(referenceShort),
    snapshots,
    entryHeaders,
    entryRows,
    entryCount: plural(entryRows.length, 'model'),
    moveHeaders,
    moveRows,
    moveNote:
      moves.length === 0
        ? 'No rank has moved between snapshots yet.'
        : `${plural(moves.length, 'rank move')} between consecutive snapshots, ${int(netMoved)} of them not explained by new entries (a model moves down when a better one joins)${moves.length > shown.length ? `; the ${int(shown.length)} most recent are listed` : ''}, newest first.`,
  };
}

/** Per model ranked in both snapshots: places gained among just those models. */
function netMoves(
  previous: LeaderboardSnapshot | undefined,
  current: LeaderboardSnapshot,
): Map<string, number> {
  const out = new Map<string, number>();
  if (!previous) return out;
  const ranked = (s: LeaderboardSnapshot) =>
    s.models
      .filter((m) => m.rank !== null)
      .sort((a, b) => a.rank! - b.rank!)
      .map((m) => m.model);
  const before = ranked(previous);
  const now = new Set(ranked(current));
  const shared = new Set(before.filter((m) => now.has(m)));
  const position = (list: string[]) => new Map(list.filter((m) => shared.has(m)).map((m, i) => [m, i]));
  const from = position(before);
  const to = position(ranked(current));
  for (const [m, f] of from) out.set(m, f - to.get(m)!);
  return out;
}

function snapshotView(
  s: LeaderboardSnapshot,
  references: readonly string[],
  previous: LeaderboardSnapshot | undefined,
): SnapshotView {
  const c = s.changes;
  const runId = (run: string | null | undefined) => (run ? run.replace(/\.json$/, '') : undefined);
  const [from, to] = [runId(previous?.run), runId(s.run)];
  return {
    diff: from && to ? `bench runs diff ${from} ${to}` : '',
    date: s.date,
    models: int(s.models.filter((m) => m.rank !== null).length),
    added: c ? int(c.added.length) : int(s.models.length),
    addedNames: c ? c.added : [],
    removed: c ? int(c.removed.length) : MISSING,
    removedNames: c ? c.removed : [],
    changed: c ? int(c.changed.length) : MISSING,
    moves: c ? int(c.rankMoves.filter((m) => m.from !== m.to).length) : MISSING,
    correlations: references.map((ref) => {
      const corr = s.correlations.find((x) => x.reference === ref);
      const delta = c?.correlationDeltas.find((d) => d.reference === ref && d.statistic === 'spearman');
      return {
        text: num(corr?.spearman.value, 3),
        note: delta && isNumber(delta.from) && isNumber(delta.to) ? signed(delta.to - delta.from, 3) : '',
      };
    }),
  };
}
