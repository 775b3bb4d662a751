import { basename } from 'node:path';
import type { LeaderboardHistory } from '../../../harness/leaderboard/types.js';
import { runArchiveOf, type RunArchive } from '../../../harness/report/index.js';
import { listRuns, type ArchivedRun } from '../../../harness/store/run-archive.js';
import { ALPACAEVAL_SCHEMA_VERSION, isCompleteRun, type AlpacaEvalResult } from '../result.js';
import type { AlpacaEvalRunInput, OtherRunInput } from './types.js';

/** How far back to look for an earlier run with the same settings (for rank changes). */
const PREVIOUS_SEARCH = 25;
/** Runs of a judge besides its published leaderboard that get their own pages, newest first. */
export const MAX_OTHER_RUNS = 5;

export interface StoredResults {
  /** each judge's published leaderboard (see `publishedRuns`), by judge name */
  readonly alpacaeval: AlpacaEvalRunInput[];
  /** other recent runs (partial ones, and complete ones that are not published), newest first per judge */
  readonly otherRuns: OtherRunInput[];
}

/**
 * The archived AlpacaEval runs as the site publishes them. A judge's published leaderboard
 * is the run of its newest refresh snapshot (from `histories`, when the snapshot names a
 * run in the archive), else its newest complete run (every model of the source, every
 * instruction: `isCompleteRun`). A partial run (`--models`, `--instructions`) never stands
 * in for it: the judge's newest such runs come back as `otherRuns`, to be shown on pages
 * of their own; a run that ranks no model is not shown at all. Each published run comes
 * with the run before it (the previous snapshot's run, or the previous complete run over
 * the same instructions) for rank changes. Files that are not AlpacaEval result documents
 * are skipped with a warning (by the archive's reader).
 */
export async function publishedAlpacaEvalRuns(
  archive: RunArchive<AlpacaEvalResult>,
  histories: readonly LeaderboardHistory[],
  warn: (m: string) => void,
): Promise<StoredResults> {
  const byJudge = new Map<string, ArchivedRun[]>();
  for (const r of archive.runs) byJudge.set(r.judge, [...(byJudge.get(r.judge) ?? []), r]);
  const archived = new Map(archive.runs.map((r) => [basename(r.file), r]));
  const alpacaeval: AlpacaEvalRunInput[] = [];
  const otherRuns: OtherRunInput[] = [];
  for (const newestFirst of byJudge.values()) {
    const chosen = await publishedRuns(newestFirst, archived, histories, (f) => archive.read(f), warn);
    if (chosen.published) alpacaeval.push(chosen.published);
    otherRuns.push(...chosen.others);
  }
  alpacaeval.sort((a, b) => a.result.judge.name.localeCompare(b.result.judge.name));
  otherRuns.sort(
    (a, b) =>
      a.result.judge.name.localeCompare(b.result.judge.name) ||
      b.result.manifest.finishedAt.localeCompare(a.result.manifest.finishedAt),
  );
  return { alpacaeval, otherRuns };
}

/** `publishedAlpacaEvalRuns` of the run archive in `runsDir`. */
export async function loadStoredResults(
  runsDir: string,
  warn: (m: string) => void = () => {},
  histories: readonly LeaderboardHistory[] = [],
): Promise<StoredResults> {
  const archive = runArchiveOf<AlpacaEvalResult>(
    await listRuns(runsDir),
    { name: 'alpacaeval', schemaVersion: ALPACAEVAL_SCHEMA_VERSION },
    warn,
  );
  return publishedAlpacaEvalRuns(archive, histories, warn);
}

/** One judge's archived AlpacaEval runs (newest first) sorted into its published run and the others. */
async function publishedRuns(
  newestFirst: readonly ArchivedRun[],
  archived: ReadonlyMap<string, ArchivedRun>,
  histories: readonly LeaderboardHistory[],
  read: (file: string) => Promise<AlpacaEvalResult | null>,
  warn: (m: string) => void,
): Promise<{ published: AlpacaEvalRunInput | null; others: OtherRunInput[] }> {
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

function sameInstructions(a: AlpacaEvalResult, b: AlpacaEvalResult): boolean {
  return (
    a.manifest.instructionSetSha256 === b.manifest.instructionSetSha256 &&
    a.instructionIndices.length === b.instructionIndices.length &&
    a.instructionIndices.every((v, i) => v === b.instructionIndices[i])
  );
}
