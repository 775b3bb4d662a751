/**
 * The result document of the scenarios suite (what `bench run scenarios --json` prints).
 * Keys from the architecture contract: suite, overall.{accuracy, n}; everything else is
 * additional. Percentages are unrounded numbers in 0-100 of the queries (`n`); a query the
 * classifier gave no label for (unparsed or failed) counts as wrong and is counted
 * (`unparsed`). `null` means "cannot be computed" (no queries), never 0.
 */
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';

export type Interval = readonly [number, number];

export interface AccuracyRow {
  /** share of the queries labelled with their own scenario */
  readonly accuracy: number | null;
  readonly correct: number;
  /** share of the queries labelled with a scenario of their own group (default: default) */
  readonly groupAccuracy: number | null;
  readonly groupCorrect: number;
  /** queries of the row */
  readonly n: number;
  /** queries without a label: the answer was not one of the labels, or the request failed */
  readonly unparsed: number;
}

export interface AccuracyIntervals {
  /** 95% bootstrap intervals (queries resampled); null without bootstrap or queries */
  readonly accuracyCi95: Interval | null;
  readonly groupAccuracyCi95: Interval | null;
}

export interface ScenarioGroupRow extends AccuracyRow, AccuracyIntervals {
  /** the queries' own group: the authors' 8, Ungrouped (peer_review, rejecting), default */
  readonly group: string;
  readonly scenarios: readonly string[];
}

export interface ScenarioRow extends AccuracyRow {
  readonly scenario: string;
  readonly group: string;
  readonly description: string | null;
}

export interface ScenarioItemRow {
  readonly index: number;
  readonly category: string;
  readonly predicted: string | null;
  readonly correct: boolean;
  /** why there is no label */
  readonly problem: string | null;
}

export interface ScenariosResult {
  readonly suite: 'scenarios';
  readonly classifier: {
    readonly name: string;
    readonly mode: 'live';
    readonly description: string;
  };
  readonly dataset: {
    readonly name: string;
    readonly queries: number;
    readonly scenarios: number;
    readonly labels: number;
  };
  readonly overall: AccuracyRow & AccuracyIntervals;
  readonly groups: readonly ScenarioGroupRow[];
  readonly scenarios: readonly ScenarioRow[];
  /** own group (rows) x the predicted scenario's group (columns), both in `order` */
  readonly confusion: {
    readonly rows: 'own group';
    readonly columns: "predicted scenario's group";
    readonly order: readonly string[];
    readonly counts: readonly (readonly number[])[];
    /** per own group (same order): queries without a label */
    readonly unparsed: readonly number[];
  };
  readonly items: readonly ScenarioItemRow[];
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly method: string };
  readonly inputs: readonly FileInfo[];
  readonly definitions: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}
