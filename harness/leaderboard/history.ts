import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError, errorMessage } from '../core/errors.js';
import { snapshotCsv, snapshotJson } from './snapshot.js';
import type { LeaderboardHistory, LeaderboardSnapshot } from './types.js';

/**
 * One judge's leaderboard folder (`leaderboards/<judge>/`):
 *
 *     2024-02-27.json  2024-02-27.csv   one snapshot per date
 *     latest.json      latest.csv       a copy of the newest snapshot
 *
 * The dated files are the record; `latest` is derived from them.
 */
const DATED = /^(\d{4}-\d{2}-\d{2})\.json$/;

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
 * Writes the dated files, then `latest` (each atomically: a reader sees the old file or
 * the new one). A crash in between leaves `latest` one snapshot behind, which the next
 * refresh repairs (see `latestIsCurrent`).
 */
export async function writeSnapshot(dir: string, snapshot: LeaderboardSnapshot): Promise<WrittenSnapshot> {
  const json = snapshotJson(snapshot);
  const csv = snapshotCsv(snapshot);
  const out = {
    json: join(dir, `${snapshot.date}.json`),
    csv: join(dir, `${snapshot.date}.csv`),
    latestJson: join(dir, 'latest.json'),
    latestCsv: join(dir, 'latest.csv'),
  };
  await writeFileAtomic(out.json, json);
  await writeFileAtomic(out.csv, csv);
  await writeLatest(dir, snapshot);
  return out;
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
