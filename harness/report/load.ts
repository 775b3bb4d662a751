import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import type { LeaderboardHistory, LeaderboardSnapshot } from '../leaderboard/types.js';
import { listRuns, readRun, type ArchivedRun } from '../store/run-archive.js';
import type { ReportContext, RunArchive, SiteSection, SuiteReport } from './sections.js';

/** What the report needs to know of a suite: its name, its documents' version, its pages. */
export interface ReportedSuite {
  readonly name: string;
  readonly schemaVersion?: number;
  readonly report?: SuiteReport<never>;
}

/**
 * The archived runs of one suite (newest first) with a reader that checks each document
 * is the suite's (and of its schema version) before the suite sees it. Files that are not
 * are skipped with a warning; each file is read once.
 */
export function runArchiveOf<R>(
  runs: readonly ArchivedRun[],
  suite: Pick<ReportedSuite, 'name' | 'schemaVersion'>,
  warn: (m: string) => void,
): RunArchive<R> {
  const cache = new Map<string, Promise<R | null>>();
  return {
    runs: runs.filter((r) => r.suite === suite.name).reverse(),
    read(file) {
      let doc = cache.get(file);
      if (!doc) {
        doc = readChecked<R>(file, suite, warn);
        cache.set(file, doc);
      }
      return doc;
    },
  };
}

/** The newest readable document of each judge (by the archive's file names), oldest judge first. */
export async function newestRunPerJudge<R>(archive: RunArchive<R>): Promise<R[]> {
  const newest = new Map<string, string>();
  for (const r of archive.runs) if (!newest.has(r.judge)) newest.set(r.judge, r.file);
  const results: R[] = [];
  for (const file of newest.values()) {
    const result = await archive.read(file);
    if (result) results.push(result);
  }
  return results;
}

async function readChecked<R>(
  file: string,
  suite: Pick<ReportedSuite, 'name' | 'schemaVersion'>,
  warn: (m: string) => void,
): Promise<R | null> {
  try {
    const doc = await readRun<{ suite?: unknown; schemaVersion?: unknown } | null>(file);
    if (doc === null || typeof doc !== 'object' || doc.suite !== suite.name) {
      warn(`${file}: not a ${suite.name} result document (skipped)`);
      return null;
    }
    if (suite.schemaVersion !== undefined && doc.schemaVersion !== suite.schemaVersion) {
      warn(`${file}: unknown result schema version (skipped)`);
      return null;
    }
    return doc as R;
  } catch (e) {
    warn(`${errorMessage(e)} (skipped)`);
    return null;
  }
}

/**
 * Every suite's part of the site from the run archive: each suite with pages gets its own
 * runs and plans what it shows. Runs of suites not given are left alone.
 */
export async function loadSiteSections(
  runsDir: string,
  suites: readonly ReportedSuite[],
  context: ReportContext,
): Promise<SiteSection[]> {
  const runs = await listRuns(runsDir);
  const sections: SiteSection[] = [];
  for (const suite of suites) {
    if (!suite.report) continue;
    sections.push(await suite.report.load(runArchiveOf<never>(runs, suite, context.warn), context));
  }
  return sections;
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
