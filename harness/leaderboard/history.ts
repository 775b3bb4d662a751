import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteTarget, writeFileAtomic } from '../core/atomic-write.js';
import { InputError, errorMessage } from '../core/errors.js';
import { snapshotCsv, snapshotJson } from './snapshot.js';
import type { LeaderboardHistory, LeaderboardSnapshot } from './types.js';

/**
 * One judge's leaderboard folder (`leaderboards/<judge>/`):
 *
 *     2024-02-27.json  2024-02-27.csv   one snapshot per date
 *     latest.json      latest.csv       a copy of the newest snapshot
 *
 * A snapshot's JSON is the record; its CSV and `latest` are derived from it. The JSON is
 * written after its CSV, so it commits the unit; a write killed half-way is made whole
 * again by the next refresh from the JSONs (`repairSnapshotFiles`).
 */
const DATED = /^(\d{4}-\d{2}-\d{2})\.json$/;
const DATED_CSV = /^(\d{4}-\d{2}-\d{2})\.csv$/;
const LATEST = new Set(['latest.json', 'latest.csv']);

/** `YYYY-MM-DD` that is a real calendar date. */
export function isSnapshotDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

/** Dates of the snapshots in `dir`, oldest first ([] when the folder does not exist). */
export async function listSnapshotDates(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .map((n) => DATED.exec(n)?.[1])
    .filter((d): d is string => d !== undefined && isSnapshotDate(d))
    .sort();
}

export async function readSnapshot(file: string): Promise<LeaderboardSnapshot> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new InputError(file, `cannot read the snapshot (${errorMessage(e)})`);
  }
  const s = data as Partial<LeaderboardSnapshot> | null;
  if (s === null || typeof s !== 'object' || s.schemaVersion !== 1 || typeof s.date !== 'string') {
    throw new InputError(file, 'not a leaderboard snapshot (schemaVersion 1)');
  }
  if (!Array.isArray(s.models) || !Array.isArray(s.correlations) || typeof s.inputs !== 'object') {
    throw new InputError(file, 'incomplete leaderboard snapshot (models, correlations, inputs)');
  }
  return s as LeaderboardSnapshot;
}

/** Every snapshot in `dir`, oldest first. A file whose date differs from its name is refused. */
export async function loadHistory(dir: string, judge: string): Promise<LeaderboardHistory> {
  const snapshots: LeaderboardSnapshot[] = [];
  for (const date of await listSnapshotDates(dir)) {
    const file = join(dir, `${date}.json`);
    const s = await readSnapshot(file);
    if (s.date !== date) throw new InputError(file, `holds the snapshot of ${s.date}, not ${date}`);
    snapshots.push(s);
  }
  return { judge, snapshots };
}

export interface WrittenSnapshot {
  readonly json: string;
  readonly csv: string;
  readonly latestJson: string;
  readonly latestCsv: string;
}

/**
 * Writes the dated CSV, then the dated JSON (which commits the snapshot), then `latest`,
 * each atomically (a reader sees the old file or the new one). A crash in between leaves a
 * CSV without its JSON, an old CSV beside a replaced JSON, or `latest` behind: the next
 * refresh repairs each from the JSONs (`repairSnapshotFiles`, `latestIsCurrent`).
 */
export async function writeSnapshot(dir: string, snapshot: LeaderboardSnapshot): Promise<WrittenSnapshot> {
  const out = {
    json: join(dir, `${snapshot.date}.json`),
    csv: join(dir, `${snapshot.date}.csv`),
    latestJson: join(dir, 'latest.json'),
    latestCsv: join(dir, 'latest.csv'),
  };
  await writeFileAtomic(out.csv, snapshotCsv(snapshot));
  await writeFileAtomic(out.json, snapshotJson(snapshot));
  await writeLatest(dir, snapshot);
  return out;
}

/** What `repairSnapshotFiles` did, one line per file (`rewrote 2024-05-01.csv from ...`). */
export interface SnapshotRepair {
  /** dated CSVs rewritten from their JSON, or removed for want of one */
  readonly csv: readonly string[];
  /** temp files of writes that were killed before their rename */
  readonly leftovers: readonly string[];
}

/**
 * Makes the dated files of `history` (read from `dir`) one unit per snapshot again after
 * an interrupted write: a CSV that is missing or is not its JSON's is rewritten from the
 * JSON, a dated CSV without a JSON is removed (its snapshot was never committed), and temp
 * files of killed atomic writes are removed. Call it holding the folder's lock (no other
 * writer is then at work in the folder). `latest` is checked by `latestIsCurrent`.
 */
export async function repairSnapshotFiles(dir: string, history: LeaderboardHistory): Promise<SnapshotRepair> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { csv: [], leftovers: [] };
    throw e;
  }
  const csv: string[] = [];
  const leftovers: string[] = [];
  for (const s of history.snapshots) {
    const name = `${s.date}.csv`;
    const want = snapshotCsv(s);
    if ((await readFile(join(dir, name), 'utf8').catch(() => null)) === want) continue;
    await writeFileAtomic(join(dir, name), want);
    csv.push(`rewrote ${name} from ${s.date}.json`);
  }
  for (const name of names.sort()) {
    const date = DATED_CSV.exec(name)?.[1];
    if (date !== undefined && isSnapshotDate(date) && !names.includes(`${date}.json`)) {
      await rm(join(dir, name), { force: true });
      csv.push(`removed ${name} (no ${date}.json)`);
      continue;
    }
    const target = atomicWriteTarget(name);
    if (target !== null && (DATED.test(target) || DATED_CSV.test(target) || LATEST.has(target))) {
      await rm(join(dir, name), { force: true });
      leftovers.push(`removed ${name} (a write of ${target} that never finished)`);
    }
  }
  return { csv, leftovers };
}

export async function writeLatest(dir: string, snapshot: LeaderboardSnapshot): Promise<void> {
  await writeFileAtomic(join(dir, 'latest.json'), snapshotJson(snapshot));
  await writeFileAtomic(join(dir, 'latest.csv'), snapshotCsv(snapshot));
}

/** Whether `latest.json` and `latest.csv` are exactly the files of `snapshot`. */
export async function latestIsCurrent(dir: string, snapshot: LeaderboardSnapshot): Promise<boolean> {
  const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => null);
  return (
    (await read('latest.json')) === snapshotJson(snapshot) &&
    (await read('latest.csv')) === snapshotCsv(snapshot)
  );
}
