import { basename } from 'node:path';
import { BenchError, InputError, errorMessage } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { JudgeInfo } from '../core/types.js';
import { readRegularFile, type SourceFiles } from '../source/files.js';
import { builtInReferenceFile, loadReference } from '../source/references.js';
import {
  latestIsCurrent,
  loadHistory,
  repairSnapshotFiles,
  writeLatest,
  writeSnapshot,
  type WrittenSnapshot,
} from './history.js';
import { collectInputs, describeInputChanges, sameInputs } from './inputs.js';
import { pinFile } from './pinned-files.js';
import { publishSite, siteIsCurrent } from './site.js';
import { buildSnapshot, type RankedRun } from './snapshot.js';
import type { LeaderboardSnapshot } from './types.js';

/**
 * Rebuilds the whole site in `outDir`, replacing the folder only once the build succeeded.
 * It runs after the snapshot files are written, so it reads the histories from disk.
 */
export type SiteBuilder = (outDir: string) => Promise<void>;

export interface RefreshOptions<R extends RankedRun = RankedRun> {
  /** this judge's leaderboard folder: `leaderboards/<judge>` */
  readonly dir: string;
  readonly judge: JudgeInfo;
  readonly files: SourceFiles;
  readonly cwd: string;
  /** built-in reference name (ae1, ae2, ae2-lc): the leaderboard's models are its models */
  readonly reference: string;
  /** a dated leaderboard CSV read in place of the source's current one */
  readonly asOf?: string;
  /** YYYY-MM-DD the snapshot stands for */
  readonly date: string;
  readonly now: () => Date;
  readonly instructionSetSha256: string;
  /** write a snapshot even when nothing is new (e.g. after a judge template change) */
  readonly force?: boolean;
  /** judgments that may fail (server errors) before the night is refused; default 0 */
  readonly maxFailures?: number;
  /** ranks `models` (judging what the store lacks) against the reference read from `files` */
  readonly evaluate: (request: { files: SourceFiles; models: readonly string[] }) => Promise<R>;
  /** keeps the run's result document; returns its path */
  readonly archive?: (run: R) => Promise<string>;
  readonly site?: { readonly dir: string; readonly build: SiteBuilder };
  readonly log: (message: string) => void;
  readonly warn: (message: string) => void;
}

export type RefreshOutcome =
  | {
      readonly status: 'unchanged';
      readonly date: string;
      /** the newest snapshot, which still stands */
      readonly latest: LeaderboardSnapshot;
      /**
       * derived files rewritten because they lagged behind the snapshots: `csv` (a dated
       * CSV that was not its JSON's), `latest`, `site`
       */
      readonly repaired: readonly ('csv' | 'latest' | 'site')[];
    }
  | {
      readonly status: 'updated';
      readonly date: string;
      readonly snapshot: LeaderboardSnapshot;
      /** an earlier snapshot of the same date was replaced */
      readonly replaced: boolean;
      /** why a new snapshot was due */
      readonly reasons: readonly string[];
      readonly files: WrittenSnapshot;
      readonly site: string | null;
      readonly judgments: RankedRun['manifest']['judgments'];
    };

/**
 * One nightly refresh of a judge's leaderboard.
 *
 * Rules:
 * - Nothing new: when the judge's identity, the instruction set, the reference's rows
 *   (models, values, excluded rows) and every reference model's outputs file (sha256)
 *   equal those of the newest snapshot, nothing is judged and no snapshot is written
 *   (only `latest` or the site are rewritten if they lag behind that snapshot).
 * - Same date: a refresh dated like the newest snapshot, with something new, replaces it;
 *   its changes and `since` dates are computed against the snapshot before it.
 * - Snapshots only go forward: a date before the newest snapshot is refused.
 * - Everything is computed before anything is written; then the dated snapshot (its CSV,
 *   then its JSON, which commits it), then `latest`, then the site. A failure before the
 *   writes leaves every file as it was.
 * - A snapshot's files are one unit: every refresh that gets past the checks first makes
 *   each unit whole again from its JSON (a refresh killed while writing left a CSV missing,
 *   stale or without its JSON), whether or not anything is new.
 *
 * Call it holding the folder's lock (`lockLeaderboard`).
 */
export async function refreshLeaderboard<R extends RankedRun>(
  options: RefreshOptions<R>,
): Promise<RefreshOutcome> {
  const history = await loadHistory(options.dir, options.judge.name);
  const newest = history.snapshots.at(-1) ?? null;
  if (newest && options.date < newest.date) {
    throw new BenchError(
      `--date ${options.date} is before the newest snapshot (${newest.date}) in ${options.dir}: snapshots only go forward; replay the past into another --leaderboards folder`,
      { exitCode: 2 },
    );
  }
  if (newest && newest.inputs.reference !== options.reference) {
    throw new BenchError(
      `${options.dir} holds the leaderboard against ${newest.inputs.reference}, not ${options.reference}: use another --leaderboards folder`,
      { exitCode: 2 },
    );
  }
  const replacing = newest !== null && newest.date === options.date;
  const previous = replacing ? (history.snapshots.at(-2) ?? null) : newest;
  const fixed = await repairSnapshotFiles(options.dir, history);
  const fixes = [...fixed.csv, ...fixed.leftovers];
  if (fixes.length > 0) {
    options.warn(`${options.dir}: ${fixes.join('; ')} (a refresh was interrupted while writing)`);
  }

  const { files, reference, file, sha256 } = await readReference(options);
  if (reference.scores.size === 0) {
    throw new InputError(
      file,
      `reference "${options.reference}" lists no models (after leaving out ${reference.excluded.length} rows)`,
    );
  }
  const inputs = await collectInputs({
    files,
    reference,
    judge: options.judge,
    instructionSetSha256: options.instructionSetSha256,
  });

  if (newest && !options.force && sameInputs(newest.inputs, inputs)) {
    return {
      status: 'unchanged',
      date: options.date,
      latest: newest,
      repaired: [...(fixed.csv.length > 0 ? ['csv' as const] : []), ...(await repair(options, newest))],
    };
  }
  const reasons = newest
    ? describeInputChanges(newest.inputs, inputs)
    : [`first snapshot of ${options.judge.name}`];
  if (reasons.length === 0) reasons.push('--force');
  options.log(`new since ${newest?.date ?? 'the start'}: ${reasons.join(', ')}`);

  const models = Object.keys(inputs.values);
  const withOutputs = models.filter((m) => inputs.submissions[m] !== null).length;
  options.log(`ranking ${withOutputs} models with outputs (of ${models.length} in ${options.reference})`);
  const run = await options.evaluate({ files, models });
  const failed = run.manifest.judgments.errors;
  if (failed > (options.maxFailures ?? 0)) {
    throw new BenchError(
      `${failed} judgments failed; nothing published (the judgments that succeeded are stored: run the refresh again)`,
    );
  }

  const runFile = options.archive ? basename(await options.archive(run)) : null;
  const snapshot = buildSnapshot({
    run,
    date: options.date,
    createdAt: options.now().toISOString(),
    references: [{ name: reference.name, label: reference.label, column: reference.column, file, sha256 }],
    inputs,
    previous,
    runFile,
  });
  const written = await writeSnapshot(options.dir, snapshot);
  let site: string | null = null;
  if (options.site) {
    try {
      await publishSite(options.site.dir, options.site.build, {
        judge: options.judge.name,
        date: snapshot.date,
        createdAt: snapshot.createdAt,
      });
    } catch (e) {
      throw new BenchError(
        `the snapshot ${written.json} is written but the site build failed (${errorMessage(e)}); ${options.site.dir} is as it was, and the next refresh rebuilds it`,
        { cause: e },
      );
    }
    site = options.site.dir;
  }
  return {
    status: 'updated',
    date: options.date,
    snapshot,
    replaced: replacing,
    reasons,
    files: written,
    site,
    judgments: run.manifest.judgments,
  };
}

async function readReference<R extends RankedRun>(options: RefreshOptions<R>) {
  const relPath = builtInReferenceFile(options.reference);
  if (relPath === undefined) {
    throw new BenchError(`unknown reference "${options.reference}" for a refresh`, { exitCode: 2 });
  }
  let bytes: Uint8Array | null;
  let file: string;
  if (options.asOf) {
    file = options.asOf;
    bytes = await readRegularFile(options.asOf);
    if (bytes === null) throw new InputError(options.asOf, 'file not found');
  } else {
    file = options.files.describe(relPath);
    bytes = await options.files.read(relPath);
    if (bytes === null)
      throw new InputError(file, `reference "${options.reference}" not found in the source`);
  }
  const files = pinFile(options.files, relPath, bytes, file);
  const reference = await loadReference(options.reference, { files, cwd: options.cwd });
  return { files, reference, file, sha256: sha256Hex(bytes) };
}

/** Rewrites `latest` and the site when they lag behind the newest snapshot. */
async function repair<R extends RankedRun>(
  options: RefreshOptions<R>,
  newest: LeaderboardSnapshot,
): Promise<('latest' | 'site')[]> {
  const repaired: ('latest' | 'site')[] = [];
  if (!(await latestIsCurrent(options.dir, newest))) {
    await writeLatest(options.dir, newest);
    repaired.push('latest');
  }
  if (options.site && !(await siteIsCurrent(options.site.dir, options.judge.name, newest))) {
    await publishSite(options.site.dir, options.site.build, {
      judge: options.judge.name,
      date: newest.date,
      createdAt: newest.createdAt,
    });
    repaired.push('site');
  }
  return repaired;
}
