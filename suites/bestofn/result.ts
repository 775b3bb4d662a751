/**
 * The result document of the Best-of-N suite (what `bench run bestofn --json` prints).
 * Ratings are on the rater's own scale (Auto-J's: 1-10); means are unrounded. `null`
 * means "cannot be computed" (no set had a pick), never 0.
 */
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';

export type Interval = readonly [number, number];

/** The figures for one N, over the sets of one row (all, or one base model's). */
export interface SelectionRow {
  /** candidates the pick is made from: the first N of each set */
  readonly size: number;
  /** sets counted: the judge picked a candidate and the rater rated it */
  readonly sets: number;
  /** the rater's mean rating of the judge's picks */
  readonly judgePick: number | null;
  /** the rater's mean rating of a random pick: each set's mean over its first N (expected value) */
  readonly randomPick: number | null;
  /** the rater's mean rating of the best of the first N (by the rater: the ceiling) */
  readonly bestPick: number | null;
  /** judgePick - randomPick */
  readonly gain: number | null;
  readonly judgePickCi95: Interval | null;
  readonly randomPickCi95: Interval | null;
  readonly bestPickCi95: Interval | null;
  readonly gainCi95: Interval | null;
  /** sets whose pick was tied with another candidate (the first of them was taken) */
  readonly tiedPicks: number;
  /** sets left out: the judge rated none of the first N */
  readonly noPick: number;
  /** sets left out: the rater did not rate the judge's pick */
  readonly pickUnrated: number;
}

export interface SetPicks {
  readonly query: number;
  readonly model: string;
  readonly scenario: string;
  /** per N, in `sizes` order: the picked candidate (0-based), or null; `tied`: candidates sharing its rating */
  readonly picks: readonly {
    readonly size: number;
    readonly index: number | null;
    readonly judgeRating: number | null;
    readonly raterRating: number | null;
    readonly tied: number;
  }[];
}

export interface CorrelationRow {
  readonly value: number | null;
  readonly reason?: string;
}

export interface BestOfNResult {
  readonly suite: 'bestofn';
  readonly judge: { readonly name: string; readonly mode: 'recorded' | 'live'; readonly description: string };
  readonly rater: { readonly name: string; readonly mode: 'recorded' | 'live'; readonly description: string };
  readonly dataset: {
    readonly name: string;
    readonly queries: number;
    readonly models: readonly string[];
    readonly candidates: number;
  };
  readonly sizes: readonly number[];
  /** how the N candidates of a set are chosen from its 32 */
  readonly subset: string;
  readonly tieBreak: string;
  /** one row per N, over every set */
  readonly overall: readonly SelectionRow[];
  /** the same per base model */
  readonly byModel: readonly { readonly model: string; readonly rows: readonly SelectionRow[] }[];
  /** the judge's ratings against the rater's, over every candidate both rated */
  readonly correlation: {
    readonly n: number;
    readonly spearman: CorrelationRow;
    readonly kendall: CorrelationRow;
    readonly pearson: CorrelationRow;
  };
  /** candidates without a rating: the judge's (unparsed or failed), the rater's */
  readonly unrated: { readonly judge: number; readonly rater: number; readonly candidates: number };
  readonly picks: readonly SetPicks[];
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly method: string };
  readonly inputs: readonly FileInfo[];
  readonly definitions: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}
