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
  readonly references: readonly { readonly name: string; readonly file: string; readonly sha256: string }[];
  readonly instructions: number;
  readonly models: readonly SnapshotModel[];
  readonly correlations: readonly SnapshotCorrelation[];
  readonly skipped: readonly { readonly model: string; readonly reason: string }[];
  /** null for the first snapshot */
  readonly changes: SnapshotChanges | null;
  /** the run result document this snapshot was made from (file name in the run archive) */
  readonly run: string | null;
}

export interface SnapshotModel {
  readonly model: string;
  readonly rank: number | null;
  readonly score: number | null;
  readonly se: number | null;
  readonly n: number;
  readonly parsed: number;
  readonly meanLength: number;
  /** sha256 of the submission's outputs file: a change means it was judged again */
  readonly contentHash: string;
  /** reference value (win rate) by reference name */
  readonly references: Readonly<Record<string, number>>;
  /** the date of the first snapshot that had this model */
  readonly since: string;
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

export interface SnapshotChanges {
  readonly previousDate: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** models whose outputs changed (content hash) */
  readonly changed: readonly string[];
  readonly rankMoves: readonly { readonly model: string; readonly from: number; readonly to: number }[];
  readonly correlationDeltas: readonly {
    readonly reference: string;
    readonly statistic: 'spearman' | 'kendall' | 'pearson';
    readonly from: number | null;
    readonly to: number | null;
  }[];
}

/** Every snapshot of one judge's leaderboard, oldest first. */
export interface LeaderboardHistory {
  readonly judge: string;
  readonly snapshots: readonly LeaderboardSnapshot[];
}
