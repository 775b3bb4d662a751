import { toCsv, toJson } from '../core/serialize.js';
import type { JudgeInfo } from '../core/types.js';
import type { Interval } from '../stats/bootstrap.js';
import type {
  CorrelationStatistic,
  LeaderboardSnapshot,
  SnapshotChanges,
  SnapshotCorrelation,
  SnapshotInputs,
  SnapshotModel,
  SnapshotReference,
} from './types.js';

/**
 * What a snapshot is made from: the ranking and correlations of a suite run. Any
 * `bench run alpacaeval` result document has this shape (structurally), so this stage
 * does not depend on the suite.
 */
export interface RankedRun {
  readonly judge: JudgeInfo;
  readonly settings: { readonly instructions: number; readonly seed: number; readonly bootstrap: number };
  /** a snapshot's models before `since` is known */
  readonly models: readonly Omit<SnapshotModel, 'since'>[];
  readonly correlations: readonly {
    readonly reference: string;
    readonly n: number;
    readonly spearman: { readonly value: number | null; readonly ci95: Interval };
    readonly kendall: { readonly value: number | null; readonly ci95: Interval };
    readonly pearson: { readonly value: number | null; readonly ci95: Interval };
  }[];
  readonly skipped: readonly {
    readonly model: string;
    readonly reason: string;
    readonly references?: readonly string[];
  }[];
  readonly manifest: {
    readonly instructionSetSha256: string;
    readonly judgments: {
      readonly requested: number;
      readonly cached: number;
      readonly sent: number;
      readonly unparsed: number;
      readonly errors: number;
    };
  };
}

const STATISTICS: readonly CorrelationStatistic[] = ['spearman', 'kendall', 'pearson'];

/**
 * The snapshot of `date` from a run. `previous` is the snapshot it follows (the newest one
 * dated before `date`, or null): it gives each model's `since` and the changes.
 */
export function buildSnapshot(options: {
  readonly run: RankedRun;
  readonly date: string;
  readonly createdAt: string;
  readonly references: readonly SnapshotReference[];
  readonly inputs: SnapshotInputs;
  readonly previous: LeaderboardSnapshot | null;
  readonly runFile: string | null;
}): LeaderboardSnapshot {
  const { run, previous } = options;
  const before = new Map(previous?.models.map((m) => [m.model, m]));
  const models: SnapshotModel[] = run.models.map((m) => ({
    model: m.model,
    rank: m.rank,
    score: m.score,
    se: m.se,
    n: m.n,
    parsed: m.parsed,
    unparsed: m.unparsed,
    errors: m.errors,
    meanLength: m.meanLength,
    contentHash: m.contentHash,
    references: m.references,
    since: before.get(m.model)?.since ?? options.date,
  }));
  models.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || cmp(a.model, b.model));
  const correlations: SnapshotCorrelation[] = run.correlations.map((c) => ({
    reference: c.reference,
    n: c.n,
    spearman: { value: c.spearman.value, ci95: c.spearman.ci95 },
    kendall: { value: c.kendall.value, ci95: c.kendall.ci95 },
    pearson: { value: c.pearson.value, ci95: c.pearson.ci95 },
  }));
  // The outputs actually judged win over the pre-check's hashes (an HTTP source may have
  // moved on in between): the snapshot describes what it was computed from.
  const judged = Object.fromEntries(run.models.map((m) => [m.model, m.contentHash]));
  const inputs: SnapshotInputs = {
    ...options.inputs,
    submissions: Object.fromEntries(
      Object.entries(options.inputs.submissions).map(([m, h]) => [m, judged[m] ?? h]),
    ),
  };
  const snapshot: Omit<LeaderboardSnapshot, 'changes'> = {
    schemaVersion: 1,
    date: options.date,
    createdAt: options.createdAt,
    judge: run.judge,
    references: options.references,
    instructions: run.settings.instructions,
    seed: run.settings.seed,
    bootstrap: run.settings.bootstrap,
    models,
    correlations,
    skipped: run.skipped.map((s) => ({
      model: s.model,
      reason: s.reason,
      ...(s.references ? { references: s.references } : {}),
    })),
    inputs,
    run: options.runFile,
  };
  return { ...snapshot, changes: previous ? diffSnapshots(previous, snapshot) : null };
}

/** What changed from `prev` to `next`: pure, deterministic order. */
export function diffSnapshots(
  prev: Pick<LeaderboardSnapshot, 'date' | 'models' | 'correlations'>,
  next: Pick<LeaderboardSnapshot, 'models' | 'correlations'>,
): SnapshotChanges {
  const a = new Map(prev.models.map((m) => [m.model, m]));
  const b = new Map(next.models.map((m) => [m.model, m]));
  const added = [...b.keys()].filter((m) => !a.has(m)).sort(cmp);
  const removed = [...a.keys()].filter((m) => !b.has(m)).sort(cmp);
  const both = [...b.keys()].filter((m) => a.has(m)).sort(cmp);
  const changed = both.filter((m) => a.get(m)!.contentHash !== b.get(m)!.contentHash);
  const referenceChanges: { model: string; reference: string; from: number | null; to: number | null }[] = [];
  for (const m of both) {
    const from = a.get(m)!.references;
    const to = b.get(m)!.references;
    for (const r of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort(cmp)) {
      if (from[r] !== to[r])
        referenceChanges.push({ model: m, reference: r, from: from[r] ?? null, to: to[r] ?? null });
    }
  }
  const rankMoves = both
    .flatMap((m) => {
      const from = a.get(m)!.rank;
      const to = b.get(m)!.rank;
      return from !== null && to !== null && from !== to ? [{ model: m, from, to }] : [];
    })
    .sort(
      (x, y) => Math.abs(y.to - y.from) - Math.abs(x.to - x.from) || x.to - y.to || cmp(x.model, y.model),
    );
  const before = new Map(prev.correlations.map((c) => [c.reference, c]));
  const correlationDeltas = next.correlations.flatMap((c) =>
    STATISTICS.map((statistic) => ({
      reference: c.reference,
      statistic,
      from: before.get(c.reference)?.[statistic].value ?? null,
      to: c[statistic].value,
    })),
  );
  return { previousDate: prev.date, added, removed, changed, referenceChanges, rankMoves, correlationDeltas };
}

/** The ranking as CSV: one row per model, best first; reference values in their own columns. */
export function snapshotCsv(snapshot: LeaderboardSnapshot): string {
  const refs = snapshot.references.map((r) => r.name);
  const header = [
    'rank',
    'model',
    'score',
    'se',
    'n',
    'parsed',
    'unparsed',
    'errors',
    'mean_length',
    ...refs,
    'since',
    'content_sha256',
  ];
  const rows = snapshot.models.map((m) => [
    m.rank ?? '',
    m.model,
    m.score ?? '',
    m.se ?? '',
    m.n,
    m.parsed,
    m.unparsed,
    m.errors,
    m.meanLength,
    ...refs.map((r) => m.references[r] ?? ''),
    m.since,
    m.contentHash,
  ]);
  return toCsv(header, rows);
}

/** The snapshot as its JSON file: pretty, stable key order as built, newline-terminated. */
export function snapshotJson(snapshot: LeaderboardSnapshot): string {
  return toJson(snapshot);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
