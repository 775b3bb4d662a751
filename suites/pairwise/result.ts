/**
 * The result document of `bench run pairwise` (what `--json` prints). Keys from the
 * architecture contract: suite, overall.{agreement, consistency, n},
 * groups[].{group, agreement, consistency, n}; everything else is additional.
 *
 * Percentages are unrounded numbers in 0-100. `null` means "cannot be computed" (no pairs)
 * or "not applicable" (consistency and position bias under the single protocol); a
 * `consistencyNote` says which. Never 0 for "missing".
 */
import type { Verdict } from '../../harness/core/types.js';
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';
import type { RunManifest } from '../../harness/store/run-archive.js';
import type { ReferenceRow } from './references.js';

export type Interval = readonly [number, number];

/** The figures every row has (overall, each group, each scenario). */
export interface MetricsRow {
  /** the authors' agreement: both orders equal the human label (single: the derived verdict does) */
  readonly agreement: number | null;
  /** Cohen's kappa of the judge's verdict per pair against the human label (-1..1); null when undefined */
  readonly kappa: number | null;
  /** the authors' consistency; null under the single protocol (see consistencyNote) */
  readonly consistency: number | null;
  readonly n: number;
  /** agreement over the pairs whose human label is not a tie */
  readonly agreementNonTie: number | null;
  readonly nNonTie: number;
  /** share of decisive verdicts (both orders) naming the response shown first; 50 = no position bias */
  readonly firstRate: number | null;
  /** share of the judge's parsed verdicts that are ties */
  readonly tieRate: number | null;
  /** pairs with a missing verdict (unparsed or failed) in either order */
  readonly unparsedPairs: number;
}

export interface IntervalFields {
  /** 95% bootstrap interval (pairs resampled); null without bootstrap or pairs */
  readonly agreementCi95: Interval | null;
  readonly consistencyCi95: Interval | null;
  /** 95% bootstrap interval of kappa, on the same resamples as agreementCi95 */
  readonly kappaCi95: Interval | null;
}

/** A trivial ruler scored on the same pairs (one verdict per pair, given order). */
export interface BaselineRow {
  readonly name: 'length' | 'first' | 'tie';
  readonly description: string;
  readonly n: number;
  readonly agreement: number | null;
  readonly agreementCi95: Interval | null;
  readonly kappa: number | null;
  readonly kappaCi95: Interval | null;
}

/** McNemar's test of the judge's correctness per pair against a ruler's, on the same pairs. */
export interface JudgeVersusRuler {
  readonly ruler: 'length';
  readonly n: number;
  /** pairs the judge got right and the ruler wrong */
  readonly judgeOnly: number;
  /** pairs the ruler got right and the judge wrong */
  readonly rulerOnly: number;
  /** exact two-sided p-value; null when undefined */
  readonly p: number | null;
  readonly chiSquare: number | null;
  readonly chiSquareP: number | null;
  readonly method: string;
}

export interface OverallRow extends MetricsRow, IntervalFields {
  readonly consistencyNote?: string;
  readonly humanTieRate: number | null;
  /** null under the single protocol (no positions: each response is rated on its own) */
  readonly positionBias: {
    /** as firstRate; its denominator is nDecisive */
    readonly firstRate: number | null;
    readonly nDecisive: number;
    /** pairs where the judge picked the response shown first in both orders */
    readonly firstBoth: number;
    /** pairs where the judge picked the response shown second in both orders */
    readonly secondBoth: number;
  } | null;
  /** human label (rows) x judge verdict in the given order (columns) */
  readonly confusion: {
    readonly rows: 'human label';
    readonly columns: 'judge verdict (given order)';
    readonly order: readonly Verdict[];
    readonly counts: readonly (readonly number[])[];
    /** per human label: pairs without a verdict in the given order */
    readonly unparsed: readonly number[];
  };
  /** missing verdicts per order (swapped: null under the single protocol) and pairs affected */
  readonly unparsed: { readonly given: number; readonly swapped: number | null; readonly pairs: number };
}

export interface GroupRow extends MetricsRow, IntervalFields {
  readonly group: string;
  readonly scenarios: readonly string[];
}

export interface ScenarioRow extends MetricsRow {
  readonly scenario: string;
  readonly group: string;
  readonly description: string | null;
}

export interface PairwiseResult {
  readonly suite: 'pairwise';
  /** how the verdicts were obtained: both orders (pairwise) or per-response ratings (single) */
  readonly protocol: 'pairwise' | 'single';
  readonly judge: {
    readonly name: string;
    /** recorded: verdict files scored as given; live: judged by this run */
    readonly mode: 'recorded' | 'live';
    readonly description: string;
    /** single protocol: |rating 1 - rating 2| <= tieMargin is a tie */
    readonly tieMargin?: number;
    /** recorded mode: the judge profile whose verdicts the files are (`--recorded-judge`) */
    readonly profile?: string;
  };
  readonly dataset: {
    readonly name: string;
    readonly pairs: number;
    readonly scenarios: number;
    readonly groups: number;
  };
  readonly overall: OverallRow;
  /** the authors' 8 groups, in their order */
  readonly groups: readonly GroupRow[];
  /** every scenario of the groups, grouped, in the authors' order */
  readonly scenarios: readonly ScenarioRow[];
  /** the length ruler, first-position-always and always-tie on the same pairs */
  readonly baselines: readonly BaselineRow[];
  /** is the judge right more often than the length ruler, pair by pair? */
  readonly versusLength: JudgeVersusRuler;
  /** published results of other judges on the same pairs */
  readonly references: readonly ReferenceRow[];
  readonly referenceSource: string;
  readonly bootstrap: {
    readonly resamples: number;
    readonly seed: number;
    readonly method: string;
  };
  /** the files read, with sha256, for provenance */
  readonly inputs: readonly FileInfo[];
  /** what each figure means, in words */
  readonly definitions: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
  /** how and when the run happened (added by the command that ran it) */
  readonly manifest?: PairwiseManifest;
}

/** The shared manifest of every run: a pairwise run adds nothing to it. */
export type PairwiseManifest = RunManifest;
