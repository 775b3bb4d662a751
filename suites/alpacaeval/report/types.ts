import type { LeaderboardHistory } from '../../../harness/leaderboard/types.js';
import type { CritiqueLookup, OutputsLookup } from '../../../harness/report/types.js';
import type { PaperTable } from '../paper-table.js';
import type { AlpacaEvalResult } from '../result.js';

/** Why a run is its judge's published leaderboard. */
export type Publication =
  /** the judge's newest complete run (every model of the source, every instruction) */
  | { readonly kind: 'complete' }
  /** the run of the judge's newest refresh snapshot */
  | { readonly kind: 'snapshot'; readonly date: string };

/** One judge's published AlpacaEval run, with the run before it for rank changes. */
export interface AlpacaEvalRunInput {
  readonly result: AlpacaEvalResult;
  /** the judge's previous archived run, if any: ranks moved since then are shown */
  readonly previous?: AlpacaEvalResult;
  /** the archived file the result came from (shown as provenance) */
  readonly file?: string;
  /** why this run is the published leaderboard (said on its page) */
  readonly publishedAs?: Publication;
}

/** A run shown on its own, clearly labelled page: never the judge's published leaderboard. */
export interface OtherRunInput {
  readonly result: AlpacaEvalResult;
  readonly file?: string;
}

/** What the AlpacaEval pages are built from (the published runs are chosen by publish.ts). */
export interface AlpacaEvalSiteInput {
  /** the published run per judge; one leaderboard (and model pages) per entry */
  readonly alpacaeval: readonly AlpacaEvalRunInput[];
  /** other runs (partial ones, say): each gets its own labelled pages, linked from the overview */
  readonly otherRuns?: readonly OtherRunInput[];
  /** leaderboard histories (one per judge) from `leaderboards/<judge>/` */
  readonly history?: readonly LeaderboardHistory[];
  /** the paper's Table 24; the paper page is left out without it */
  readonly paper?: PaperTable;
  /** the AlpacaEval judge whose run the paper page compares with (default `autoj`) */
  readonly paperJudge?: string;
  readonly critiques?: CritiqueLookup;
  readonly outputs?: OutputsLookup;
  /** the AlpacaEval instruction texts by index (when there is no outputs lookup) */
  readonly instructions?: readonly string[];
}
