import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError, errorMessage } from '../core/errors.js';

/** The part of the manifest every suite's result shares: how and when the run happened. */
export interface RunManifest {
  readonly harnessVersion: string;
  readonly gitCommit: string | null;
  readonly node: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

/**
 * What every result document has, whatever its suite: the run envelope. The archive, the
 * report and `bench run` read only these fields; the rest is the suite's.
 */
export interface RunEnvelope {
  readonly suite: string;
  /** absent in documents of suites that version none (pairwise) */
  readonly schemaVersion?: number;
  readonly judge: { readonly name: string; readonly description?: string };
  /** optional only in documents not yet archived (a result scored in memory) */
  readonly manifest?: RunManifest;
}

/**
 * Every `bench run` keeps its result document here, so reports and leaderboards can be
 * rebuilt without judging again. File names sort by time.
 */
export interface ArchivedRun {
  readonly file: string;
  readonly suite: string;
  readonly judge: string;
  readonly finishedAt: string;
}

export async function archiveRun(
  dir: string,
  result: { suite: string; judge: { name: string }; manifest: { finishedAt: string } },
): Promise<string> {
  const stamp = result.manifest.finishedAt.replace(/[:.]/g, '-');
  const file = join(
    dir,
    `${stamp}_${result.suite}_${result.judge.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`,
  );
  await writeFileAtomic(file, JSON.stringify(result));
  return file;
}

/** Archived runs, oldest first. */
export async function listRuns(dir: string): Promise<ArchivedRun[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names.flatMap((name) => {
    const m = /^(.+?)_([a-z0-9-]+)_(.+)\.json$/.exec(name);
    return m ? [{ file: join(dir, name), finishedAt: m[1]!, suite: m[2]!, judge: m[3]! }] : [];
  });
}

export async function readRun<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    throw new InputError(file, `cannot read run result (${errorMessage(e)})`);
  }
}
