import type { JudgeInfo } from '../core/types.js';
import type { Interval } from '../stats/bootstrap.js';

/**
 * A published leaderboard as it stood on one date: the judge's ranking of the models and
 * its correlation with the reference, plus what changed since the previous snapshot.
 * Written as `leaderboards/<judge>/<date>.json` (and `.csv`), with `latest.json`.
 */
export interface LeaderboardSnapshot {
  readonly schemaVersion: 1;
  /** YYYY-MM-DD: the night this snapshot stands for */
  readonly date: string;
  /** ISO time it was written */
  readonly createdAt: string;
  readonly judge: JudgeInfo;
  /** the reference leaderboards compared with, with the files they came from */
  readonly references: readonly SnapshotReference[];
  readonly instructions: number;
  /** bootstrap settings of the correlation intervals */
  readonly seed: number;
  readonly bootstrap: number;
  /** ranked models, best first (unrated ones last) */
  readonly models: readonly SnapshotModel[];
  readonly correlations: readonly SnapshotCorrelation[];
  /** reference models left out of the ranking, with the reason (no outputs, dev mode, ...) */
  readonly skipped: readonly SnapshotSkipped[];
  /** null for the first snapshot */
  readonly changes: SnapshotChanges | null;
  /** what the snapshot was computed from: a refresh with equal inputs has nothing new */
  readonly inputs: SnapshotInputs;
  /** the run result document this snapshot was made from (file name in the run archive) */
  readonly run: string | null;
}

export interface SnapshotReference {
  /** `ae1`, `ae2`, `ae2-lc` */
  readonly name: string;
  readonly label: string;
  readonly column: string;
  /** where the CSV came from: the source's file, or the `--as-of` CSV */
  readonly file: string;
  /** sha256 of the CSV's bytes */
  readonly sha256: string;
}

export interface SnapshotModel {
  readonly model: string;
  readonly rank: number | null;
  readonly score: number | null;
  readonly se: number | null;
  readonly n: number;
  readonly parsed: number;
  readonly unparsed: number;
  readonly errors: number;
  readonly meanLength: number;
  /** sha256 of the submission's outputs file: a change means it was judged again */
  readonly contentHash: string;
  /** reference value (win rate) by reference name */
  readonly references: Readonly<Record<string, number>>;
  /** the date this model entered the leaderboard (first of the current unbroken run of snapshots) */
  readonly since: string;
}

export interface SnapshotSkipped {
  readonly model: string;
  readonly reason: string;
  readonly references?: readonly string[];
}

export interface SnapshotStatistic {
  readonly value: number | null;
  readonly ci95: Interval;
}

export interface SnapshotCorrelation {
  readonly reference: string;
  readonly n: number;
  readonly spearman: SnapshotStatistic;
  readonly kendall: SnapshotStatistic;
  readonly pearson: SnapshotStatistic;
}

export type CorrelationStatistic = 'spearman' | 'kendall' | 'pearson';

export interface SnapshotChanges {
  readonly previousDate: string;
  /** models ranked now that were not in the previous snapshot */
  readonly added: readonly string[];
  /** models of the previous snapshot that are not ranked now */
  readonly removed: readonly string[];
  /** models whose outputs changed (content hash) */
  readonly changed: readonly string[];
  /** reference values (win rates) that changed for models in both snapshots */
  readonly referenceChanges: readonly {
    readonly model: string;
    readonly reference: string;
    readonly from: number | null;
    readonly to: number | null;
  }[];
  /** models ranked in both snapshots whose rank differs; biggest moves first */
  readonly rankMoves: readonly { readonly model: string; readonly from: number; readonly to: number }[];
  /** every statistic of every reference, previous and current value */
  readonly correlationDeltas: readonly {
    readonly reference: string;
    readonly statistic: CorrelationStatistic;
    readonly from: number | null;
    readonly to: number | null;
  }[];
}

/**
 * Everything that determines a snapshot's content apart from the bootstrap: the judge's
 * identity, the instruction set, the reference's rows and every reference model's outputs
 * file. Two refreshes with equal inputs would publish the same leaderboard.
 */
export interface SnapshotInputs {
  readonly judge: {
    readonly name: string;
    readonly model: string;
    readonly templateVersion: string;
    readonly sampling: JudgeInfo['sampling'] | null;
  };
  readonly instructionSetSha256: string;
  readonly reference: string;
  /** every model the reference scores (dev rows and bad rows excluded), with its value */
  readonly values: Readonly<Record<string, number>>;
  /** reference rows left out, with the reason */
  readonly excluded: readonly { readonly model: string; readonly reason: string }[];
  /** sha256 of each reference model's outputs file; null where the source has none */
  readonly submissions: Readonly<Record<string, string | null>>;
}

/** Every snapshot of one judge's leaderboard, oldest first. */
export interface LeaderboardHistory {
  readonly judge: string;
  readonly snapshots: readonly LeaderboardSnapshot[];
}
