import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InputError, errorMessage } from '../core/errors.js';
import type { LeaderboardHistory, LeaderboardSnapshot } from '../leaderboard/types.js';
import { listRuns, readRun, type ArchivedRun } from '../store/run-archive.js';
import { isCompleteRun, type AlpacaEvalResult } from '../../suites/alpacaeval/result.js';
import type { PairwiseResult } from '../../suites/pairwise/result.js';
import { defaultReportsDir } from './templates.js';
import type { AlpacaEvalRunInput, OtherRunInput, PaperRow, PaperTable, SiteInput } from './types.js';

/** How far back to look for an earlier run with the same settings (for rank changes). */
const PREVIOUS_SEARCH = 25;
/** Runs of a judge besides its published leaderboard that get their own pages, newest first. */
export const MAX_OTHER_RUNS = 5;

export interface StoredResults {
  /** each judge's published leaderboard (see `loadStoredResults`), by judge name */
  readonly alpacaeval: AlpacaEvalRunInput[];
  /** other recent runs (partial ones, and complete ones that are not published), newest first per judge */
  readonly otherRuns: OtherRunInput[];
  readonly pairwise: PairwiseResult[];
}

/**
 * The stored AlpacaEval runs as the site publishes them, and the latest pairwise run of
 * each judge. A judge's published leaderboard is the run of its newest refresh snapshot
 * (from `histories`, when the snapshot names a run in the archive), else its newest
 * complete run (every model of the source, every instruction: `isCompleteRun`). A partial
 * run (`--models`, `--instructions`) never stands in for it: the judge's newest such runs
 * come back as `otherRuns`, to be shown on pages of their own; a run that ranks no model
 * is not shown at all. Each published run comes with the run before it (the previous
 * snapshot's run, or the previous complete run over the same instructions) for rank
 * changes. Files that are not result documents are skipped with a warning.
 */
export async function loadStoredResults(
  runsDir: string,
  warn: (m: string) => void = () => {},
  histories: readonly LeaderboardHistory[] = [],
): Promise<StoredResults> {
  const runs = await listRuns(runsDir);
  const bySuiteJudge = new Map<string, ArchivedRun[]>();
  for (const r of runs) {
    const k = `${r.suite}\u0000${r.judge}`;
    const list = bySuiteJudge.get(k) ?? [];
    list.push(r);
    bySuiteJudge.set(k, list);
  }
  const alpacaeval: AlpacaEvalRunInput[] = [];
  const otherRuns: OtherRunInput[] = [];
  const pairwise: PairwiseResult[] = [];
  const archived = new Map(runs.map((r) => [basename(r.file), r]));
  for (const list of bySuiteJudge.values()) {
    const newestFirst = [...list].reverse();
    if (newestFirst[0]!.suite === 'pairwise') {
      const result = await readChecked<PairwiseResult>(newestFirst[0]!.file, 'pairwise', warn);
      if (result) pairwise.push(result);
      continue;
    }
    if (newestFirst[0]!.suite !== 'alpacaeval') continue;
    const chosen = await publishedRuns(newestFirst, archived, histories, warn);
    if (chosen.published) alpacaeval.push(chosen.published);
    otherRuns.push(...chosen.others);
  }
  const finished = (r: { manifest?: { finishedAt: string } }) => r.manifest?.finishedAt ?? '';
  alpacaeval.sort((a, b) => a.result.judge.name.localeCompare(b.result.judge.name));
  otherRuns.sort(
    (a, b) =>
      a.result.judge.name.localeCompare(b.result.judge.name) ||
      finished(b.result).localeCompare(finished(a.result)),
  );
  pairwise.sort((a, b) => a.judge.name.localeCompare(b.judge.name) || finished(a).localeCompare(finished(b)));
  return { alpacaeval, otherRuns, pairwise };
}

/** One judge's archived AlpacaEval runs (newest first) sorted into its published run and the others. */
async function publishedRuns(
  newestFirst: readonly ArchivedRun[],
  archived: ReadonlyMap<string, ArchivedRun>,
  histories: readonly LeaderboardHistory[],
  warn: (m: string) => void,
): Promise<{ published: AlpacaEvalRunInput | null; others: OtherRunInput[] }> {
  const cache = new Map<string, Promise<AlpacaEvalResult | null>>();
  const read = (file: string) => {
    let doc = cache.get(file);
    if (!doc) {
      doc = readChecked<AlpacaEvalResult>(file, 'alpacaeval', warn);
      cache.set(file, doc);
    }
    return doc;
  };
  const ranks = (r: AlpacaEvalResult) => r.models.some((m) => m.rank !== null);

  // The judge's name is the one inside the documents, not the file name's sanitised copy.
  const judge = (await firstReadable(newestFirst, read))?.judge.name;
  const snapshots = histories.find((h) => h.judge === judge)?.snapshots ?? [];
  const snapshotRuns = new Set(snapshots.flatMap((s) => (s.run ? [s.run] : [])));

  let published: AlpacaEvalRunInput | null = null;
  const newest = snapshots.at(-1);
  if (newest) {
    const file = newest.run === null ? undefined : archived.get(newest.run)?.file;
    const result = file ? await read(file) : null;
    if (file && result && ranks(result)) {
      const before = snapshots.at(-2);
      const previousFile = before?.run ? archived.get(before.run)?.file : undefined;
      const previous = previousFile ? await read(previousFile) : null;
      published = {
        result,
        file,
        publishedAs: { kind: 'snapshot', date: newest.date },
        ...(previous ? { previous } : {}),
      };
    } else {
      const why =
        newest.run === null
          ? 'names no run'
          : !file
            ? `names run ${newest.run}, which is not in the run archive`
            : !result
              ? `names run ${newest.run}, which cannot be read`
              : `names run ${newest.run}, which ranks no model`;
      warn(
        `the ${judge} snapshot of ${newest.date} ${why}; publishing the newest complete run of ${judge} instead`,
      );
    }
  }

  const candidates: { run: ArchivedRun; result: AlpacaEvalResult }[] = [];
  for (const run of newestFirst) {
    if (snapshotRuns.has(basename(run.file))) continue;
    const result = await read(run.file);
    if (result && ranks(result)) candidates.push({ run, result });
  }
  if (!published) {
    const at = candidates.findIndex((c) => isCompleteRun(c.result));
    if (at >= 0) {
      const { run, result } = candidates[at]!;
      let previous: AlpacaEvalResult | undefined;
      for (const older of candidates.slice(at + 1, at + 1 + PREVIOUS_SEARCH)) {
        if (isCompleteRun(older.result) && sameInstructions(older.result, result)) {
          previous = older.result;
          break;
        }
      }
      published = {
        result,
        file: run.file,
        publishedAs: { kind: 'complete' },
        ...(previous ? { previous } : {}),
      };
    }
  }
  // Partial runs, and complete runs newer than a snapshot-published leaderboard.
  const publishedAt = published?.result.manifest.finishedAt ?? '';
  const others = candidates
    .filter(
      (c) =>
        c.run.file !== published?.file &&
        (!isCompleteRun(c.result) || c.result.manifest.finishedAt > publishedAt),
    )
    .slice(0, MAX_OTHER_RUNS)
    .map((c) => ({ result: c.result, file: c.run.file }));
  return { published, others };
}

async function firstReadable(
  runs: readonly ArchivedRun[],
  read: (file: string) => Promise<AlpacaEvalResult | null>,
): Promise<AlpacaEvalResult | null> {
  for (const r of runs) {
    const doc = await read(r.file);
    if (doc) return doc;
  }
  return null;
}

async function readChecked<T extends { suite: string }>(
  file: string,
  suite: string,
  warn: (m: string) => void,
): Promise<T | null> {
  try {
    const doc = await readRun<T>(file);
    if (doc === null || typeof doc !== 'object' || doc.suite !== suite) {
      warn(`${file}: not a ${suite} result document (skipped)`);
      return null;
    }
    if (suite === 'alpacaeval' && (doc as unknown as AlpacaEvalResult).schemaVersion !== 1) {
      warn(`${file}: unknown result schema version (skipped)`);
      return null;
    }
    return doc;
  } catch (e) {
    warn(`${errorMessage(e)} (skipped)`);
    return null;
  }
}

function sameInstructions(a: AlpacaEvalResult, b: AlpacaEvalResult): boolean {
  return (
    a.manifest.instructionSetSha256 === b.manifest.instructionSetSha256 &&
    a.instructionIndices.length === b.instructionIndices.length &&
    a.instructionIndices.every((v, i) => v === b.instructionIndices[i])
  );
}

const SNAPSHOT_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;

/**
 * Every judge's leaderboard history from `leaderboards/<judge>/<YYYY-MM-DD>.json`.
 * Folders without snapshots are ignored; unreadable snapshots are skipped with a warning.
 */
export async function loadLeaderboardHistories(
  dir: string,
  warn: (m: string) => void = () => {},
): Promise<LeaderboardHistory[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const histories: LeaderboardHistory[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = join(dir, entry.name);
    const files = (await readdir(folder)).filter((n) => SNAPSHOT_FILE.test(n)).sort();
    const snapshots: LeaderboardSnapshot[] = [];
    for (const name of files) {
      const file = join(folder, name);
      try {
        const snap = JSON.parse(await readFile(file, 'utf8')) as LeaderboardSnapshot;
        if (snap?.schemaVersion !== 1 || !Array.isArray(snap.models) || typeof snap.date !== 'string') {
          warn(`${file}: not a leaderboard snapshot (skipped)`);
          continue;
        }
        snapshots.push(snap);
      } catch (e) {
        warn(`${file}: cannot read (${errorMessage(e)}; skipped)`);
      }
    }
    if (snapshots.length > 0) {
      histories.push({ judge: snapshots[snapshots.length - 1]!.judge?.name ?? entry.name, snapshots });
    }
  }
  return histories;
}

/** The copy of the paper's Table 24 that ships with the report templates. */
export function bundledPaperFile(): string {
  return join(defaultReportsDir(), 'data', 'table24_alpacaeval_autoj_ratings.csv');
}

const PAPER_COLUMNS = [
  'paper_model_name',
  'alpaca_eval_id',
  'autoj_mean_rating',
  'gpt4_win_rate',
  'rank_gpt4',
  'rank_autoj',
];

/** Reads the paper's Table 24 CSV (columns as in ../shared/data/auto-j/paper/). */
export async function readPaperTable(file: string): Promise<PaperTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(file, `cannot read the paper table (${errorMessage(e)})`);
  }
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new InputError(file, `not a CSV file (${errorMessage(e)})`);
  }
  const missing = PAPER_COLUMNS.filter((c) => records.length > 0 && !(c in records[0]!));
  if (records.length === 0 || missing.length > 0) {
    throw new InputError(
      file,
      `expected columns ${PAPER_COLUMNS.join(', ')}${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
    );
  }
  const rows = records.map<PaperRow>((r, i) => {
    const numberOf = (c: string) => {
      const v = Number(r[c]);
      if (r[c] === '' || !Number.isFinite(v))
        throw new InputError(file, `row ${i + 2}: ${c} is not a number`);
      return v;
    };
    return {
      paperName: r.paper_model_name ?? '',
      alpacaEvalId: r.alpaca_eval_id ?? '',
      autojMeanRating: numberOf('autoj_mean_rating'),
      gpt4WinRate: numberOf('gpt4_win_rate'),
      rankGpt4: numberOf('rank_gpt4'),
      rankAutoj: numberOf('rank_autoj'),
    };
  });
  return { file, rows };
}

export interface LoadSiteOptions {
  readonly runsDir: string;
  /** leaderboards/ with one folder of snapshots per judge; no history pages without it */
  readonly leaderboardsDir?: string;
  /** the paper's Table 24 CSV; default: the bundled copy; null: no paper page */
  readonly paperFile?: string | null;
  readonly warn?: (message: string) => void;
}

/** Everything stored that the site shows: runs, histories and the paper table. */
export async function loadSiteInput(options: LoadSiteOptions): Promise<SiteInput> {
  const warn = options.warn ?? (() => {});
  const history = options.leaderboardsDir
    ? await loadLeaderboardHistories(options.leaderboardsDir, warn)
    : [];
  const stored = await loadStoredResults(options.runsDir, warn, history);
  const paperFile = options.paperFile === undefined ? bundledPaperFile() : options.paperFile;
  const paper = paperFile === null ? undefined : await readPaperTable(paperFile);
  return { ...stored, history, ...(paper ? { paper } : {}) };
}
