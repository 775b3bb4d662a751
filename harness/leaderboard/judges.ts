import type { JudgeTiming } from '../store/judgment-store.js';

/**
 * The judge leaderboard (`bench judges` and the site's judge page): one row per judge
 * profile with stored runs, the figures each suite contributes for it (the suite contract's
 * `judgeSummary`), the parse-failure rate over those runs and the speed from the store's
 * latencies. Nothing here knows a suite: the columns are the figures the suites name.
 */

export type FigureInterval = readonly [number, number];

/** One figure of a judge in one suite's run, with its interval where it has one. */
export interface JudgeFigure {
  /** the column: stable over runs, `<suite>.<figure>` (`pairwise.kappa`, `alpacaeval.spearman.ae2`) */
  readonly key: string;
  /** the column's header */
  readonly label: string;
  /** null: computed but undefined (with `note`); a column a judge has no figure for is "not run" */
  readonly value: number | null;
  readonly ci95?: FigureInterval | null;
  /** percent: 0-100; coefficient: -1..1 (kappa, correlations); p: a p-value */
  readonly kind: 'percent' | 'coefficient' | 'p';
  /** what the figure rests on (pairs, models, votes) */
  readonly n?: number;
  /** why the value is null, or what it rests on, in words */
  readonly note?: string;
  /** a caution the reader must see beside the value (a correlation on fewer than 10 models) */
  readonly warning?: string;
  /** shown in a table of its own within the suite's, with this title */
  readonly table?: string;
}

/** What one run of a suite says of its judge. */
export interface JudgeSummary {
  /** the judge profile the run's verdicts are from */
  readonly judge: string;
  /** whether the run judged everything its suite has (a partial run stands in only when no complete one exists) */
  readonly complete: boolean;
  readonly figures: readonly JudgeFigure[];
  /** the judge's verdicts asked for and not readable, for the parse-failure rate; absent when not known */
  readonly judgments?: { readonly requested: number; readonly unparsed: number };
  /** columns the suite fills when a run has the figure and this one has not: "not run" here */
  readonly absent?: readonly JudgeColumn[];
  /** rulers scored on the same items in the run: their rows, for a ruler without a run of its own */
  readonly baselines?: readonly { readonly judge: string; readonly figures: readonly JudgeFigure[] }[];
}

/** A suite's run as the table reads it: the archived file and what the suite made of it. */
export interface SummarisedRun {
  readonly suite: string;
  readonly file: string;
  /** when the run finished (ISO), as its manifest says */
  readonly finishedAt: string;
  readonly summary: JudgeSummary;
}

/** Which run a row's figures of one suite come from. */
export interface RowSource {
  readonly suite: string;
  readonly file: string;
  readonly finishedAt: string;
  readonly complete: boolean;
  /** the figures are a ruler's, scored inside another judge's run (`baseline of <judge>`) */
  readonly baselineOf?: string;
}

export interface JudgeSpeed {
  /** judgments with a stored latency */
  readonly judgments: number;
  readonly endpoints: number;
  /** judgments / wall time (the union of their intervals over every endpoint) */
  readonly perSecond: number | null;
  /** 1000 x busy time summed over endpoints (one GPU each) / judgments */
  readonly gpuSecondsPer1000: number | null;
  /** mean latency of one judgment, seconds */
  readonly meanLatencySeconds: number | null;
}

export interface JudgeRow {
  readonly judge: string;
  readonly sources: readonly RowSource[];
  /** by column key; a key absent is "not run" */
  readonly figures: Readonly<Record<string, JudgeFigure>>;
  /** unparsed / requested over the runs used; null: not known for any of them */
  readonly parseFailure: {
    readonly rate: number;
    readonly unparsed: number;
    readonly requested: number;
  } | null;
  /** null: no timed judgment of the judge in the store */
  readonly speed: JudgeSpeed | null;
}

export interface JudgeColumn {
  readonly key: string;
  readonly label: string;
  readonly kind: JudgeFigure['kind'];
  /** a table of its own within the suite's (too many columns for one), by its title */
  readonly table?: string;
}

export interface JudgeTable {
  /** the suites whose runs summarise a judge, in the registry's order (set by the loader) */
  readonly suites?: readonly { readonly name: string; readonly description: string }[];
  readonly columns: readonly JudgeColumn[];
  readonly rows: readonly JudgeRow[];
  readonly definitions: Readonly<Record<string, string>>;
}

/** What a cell without a figure says: never 0. */
export const NOT_RUN = 'not run';

export const JUDGE_TABLE_DEFINITIONS: Readonly<Record<string, string>> = {
  run:
    'per judge and suite, the newest complete run in the archive (every item of the suite judged); ' +
    'a partial run (--models, --instructions) only when the judge has no complete one, marked partial',
  baseline:
    'a ruler (the length ruler) without a run of its own is shown with the figures it scored on the same items in another judge\u2019s run',
  parseFailure: "the judge's unreadable verdicts / verdicts asked for, over the runs used",
  speed:
    'from the store: each judgment occupied its endpoint from (stored time - latency) to its stored time; ' +
    'judgments per second = timed judgments / the union of their intervals over all endpoints; ' +
    'GPU-seconds per 1,000 judgments = 1000 x the sum over endpoints of the union of the intervals there ' +
    '(one GPU per endpoint) / timed judgments; every stored judgment of the judge with a latency counts',
  notRun: `"${NOT_RUN}": the judge has no stored run (or no such figure) for that column`,
};

/**
 * The table from every suite's summarised runs (newest first within a suite) and the
 * store's timings. Rows are sorted by judge name, columns in the order the runs name them.
 */
export function assembleJudgeTable(
  runs: readonly SummarisedRun[],
  timings: readonly JudgeTiming[],
): JudgeTable {
  const columns = new Map<string, JudgeColumn>();
  const chosen = new Map<string, Map<string, SummarisedRun>>();
  for (const run of runs) {
    for (const f of [...run.summary.figures, ...(run.summary.absent ?? [])]) addColumn(columns, f);
    const bySuite = chosen.get(run.summary.judge) ?? new Map<string, SummarisedRun>();
    chosen.set(run.summary.judge, bySuite);
    const before = bySuite.get(run.suite);
    // newest first: the newest run is kept until an older complete one replaces a partial one
    if (!before || (!before.summary.complete && run.summary.complete)) bySuite.set(run.suite, run);
  }
  const rows = new Map<
    string,
    { sources: RowSource[]; figures: Record<string, JudgeFigure>; counts: [number, number] | null }
  >();
  const rowOf = (judge: string) => {
    let row = rows.get(judge);
    if (!row) rows.set(judge, (row = { sources: [], figures: {}, counts: null }));
    return row;
  };
  for (const [judge, bySuite] of chosen) {
    const row = rowOf(judge);
    for (const run of bySuite.values()) {
      row.sources.push(source(run));
      for (const f of run.summary.figures) row.figures[f.key] = f;
      const j = run.summary.judgments;
      if (j) row.counts = [(row.counts?.[0] ?? 0) + j.unparsed, (row.counts?.[1] ?? 0) + j.requested];
    }
  }
  // rulers without a run of their own in a suite: their figures from the run they were scored in
  for (const [judge, bySuite] of chosen) {
    for (const run of bySuite.values()) {
      for (const b of run.summary.baselines ?? []) {
        if (chosen.get(b.judge)?.has(run.suite)) continue;
        const row = rowOf(b.judge);
        if (row.sources.some((s) => s.suite === run.suite)) continue;
        row.sources.push({ ...source(run), baselineOf: judge });
        for (const f of b.figures) {
          addColumn(columns, f);
          row.figures[f.key] = f;
        }
      }
    }
  }
  const timingOf = new Map(timings.map((t) => [t.judge, t]));
  return {
    // a column a run lacks is dropped where other runs fill it by name (`<key>.<name>`)
    columns: [...columns.values()].filter((c) => ![...columns.keys()].some((k) => k.startsWith(`${c.key}.`))),
    rows: [...rows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([judge, row]) => ({
        judge,
        sources: row.sources,
        figures: row.figures,
        parseFailure:
          row.counts && row.counts[1] > 0
            ? {
                rate: (100 * row.counts[0]) / row.counts[1],
                unparsed: row.counts[0],
                requested: row.counts[1],
              }
            : null,
        speed: speedOf(timingOf.get(judge)),
      })),
    definitions: JUDGE_TABLE_DEFINITIONS,
  };
}

function addColumn(columns: Map<string, JudgeColumn>, f: JudgeColumn): void {
  if (!columns.has(f.key))
    columns.set(f.key, { key: f.key, label: f.label, kind: f.kind, ...(f.table ? { table: f.table } : {}) });
}

function source(run: SummarisedRun): RowSource {
  return { suite: run.suite, file: run.file, finishedAt: run.finishedAt, complete: run.summary.complete };
}

/** The speed figures of a judge's timings; null without a timed judgment. */
export function speedOf(t: JudgeTiming | undefined): JudgeSpeed | null {
  if (!t || t.judgments === 0) return null;
  return {
    judgments: t.judgments,
    endpoints: t.endpoints,
    perSecond: t.wallMs > 0 ? t.judgments / (t.wallMs / 1000) : null,
    gpuSecondsPer1000: t.busyMs > 0 ? (1000 * t.busyMs) / 1000 / t.judgments : null,
    meanLatencySeconds: t.latencyMs / 1000 / t.judgments,
  };
}

/**
 * The columns as the tables show them: one table per suite, in the order the columns come,
 * and one more for each sub-table a suite names (`JudgeColumn.table`).
 */
export function columnGroups(
  columns: readonly JudgeColumn[],
): { readonly suite: string; readonly table?: string; readonly columns: readonly JudgeColumn[] }[] {
  const groups = new Map<string, { suite: string; table?: string; columns: JudgeColumn[] }>();
  for (const c of columns) {
    const suite = c.key.split('.')[0]!;
    const id = c.table ? `${suite}\u0000${c.table}` : suite;
    const group = groups.get(id) ?? { suite, ...(c.table ? { table: c.table } : {}), columns: [] };
    group.columns.push(c);
    groups.set(id, group);
  }
  return [...groups.values()];
}
