import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InputError, errorMessage } from '../core/errors.js';
import type { LeaderboardHistory, LeaderboardSnapshot } from '../leaderboard/types.js';
import { listRuns, readRun, type ArchivedRun } from '../store/run-archive.js';
import type { AlpacaEvalResult } from '../../suites/alpacaeval/result.js';
import type { PairwiseResult } from '../../suites/pairwise/result.js';
import { defaultReportsDir } from './templates.js';
import type { AlpacaEvalRunInput, PaperRow, PaperTable, SiteInput } from './types.js';

/** How far back to look for an earlier run with the same settings (for rank changes). */
const PREVIOUS_SEARCH = 25;

export interface StoredResults {
  readonly alpacaeval: AlpacaEvalRunInput[];
  readonly pairwise: PairwiseResult[];
}

/**
 * The latest archived AlpacaEval run and the latest pairwise run of each judge, oldest
 * judge first. Each AlpacaEval run comes with the judge's previous run over the same
 * instructions (for rank changes). Files that are not result documents are skipped
 * with a warning.
 */
export async function loadStoredResults(
  runsDir: string,
  warn: (m: string) => void = () => {},
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
  const pairwise: PairwiseResult[] = [];
  for (const list of bySuiteJudge.values()) {
    const newestFirst = [...list].reverse();
    const latest = newestFirst[0]!;
    if (latest.suite === 'alpacaeval') {
      const result = await readChecked<AlpacaEvalResult>(latest.file, 'alpacaeval', warn);
      if (!result) continue;
      let previous: AlpacaEvalResult | undefined;
      for (const older of newestFirst.slice(1, 1 + PREVIOUS_SEARCH)) {
        const r = await readChecked<AlpacaEvalResult>(older.file, 'alpacaeval', warn);
        if (r && sameSettings(r, result)) {
          previous = r;
          break;
        }
      }
      alpacaeval.push({ result, file: latest.file, ...(previous ? { previous } : {}) });
    } else if (latest.suite === 'pairwise') {
      const result = await readChecked<PairwiseResult>(latest.file, 'pairwise', warn);
      if (result) pairwise.push(result);
    }
  }
  const finished = (r: { manifest?: { finishedAt: string } }) => r.manifest?.finishedAt ?? '';
  alpacaeval.sort((a, b) => a.result.judge.name.localeCompare(b.result.judge.name));
  pairwise.sort((a, b) => a.judge.name.localeCompare(b.judge.name) || finished(a).localeCompare(finished(b)));
  return { alpacaeval, pairwise };
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

function sameSettings(a: AlpacaEvalResult, b: AlpacaEvalResult): boolean {
  return (
    a.settings.instructions === b.settings.instructions &&
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
  const stored = await loadStoredResults(options.runsDir, warn);
  const history = options.leaderboardsDir
    ? await loadLeaderboardHistories(options.leaderboardsDir, warn)
    : [];
  const paperFile = options.paperFile === undefined ? bundledPaperFile() : options.paperFile;
  const paper = paperFile === null ? undefined : await readPaperTable(paperFile);
  return { ...stored, history, ...(paper ? { paper } : {}) };
}
