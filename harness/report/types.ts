import type { LeaderboardHistory } from '../leaderboard/types.js';
import type { AlpacaEvalResult } from '../../suites/alpacaeval/result.js';
import type { PairwiseResult } from '../../suites/pairwise/result.js';

/**
 * The judge's stored completion for a judgment key (the critique Auto-J wrote), or
 * undefined when the store does not have it. Narrow on purpose: the report never
 * depends on how judgments are stored.
 */
export type CritiqueLookup = (key: string) => { text: string; finishReason: string | null } | undefined;

/** What a model answers to one instruction of the set, as the source has it now. */
export interface ItemText {
  readonly instruction: string;
  /** null: the submission has no output for this instruction (or an empty one) */
  readonly output: string | null;
  /** sha256 of the output as the source gives it ('' when empty): compared with what was judged */
  readonly outputSha256: string;
  /** sha256 of the submission file it comes from */
  readonly submissionSha256: string;
}

/**
 * The instruction and the model's response for the given instruction indices (from the
 * instruction set and the model's submission). Indices the source cannot answer are
 * left out of the map; a model without a submission gives an empty map.
 */
export type OutputsLookup = (
  model: string,
  indices: readonly number[],
) => Promise<ReadonlyMap<number, ItemText>>;

/** One row of the Auto-J paper's Table 24 (53 open-source AlpacaEval models). */
export interface PaperRow {
  readonly paperName: string;
  readonly alpacaEvalId: string;
  readonly autojMeanRating: number;
  readonly gpt4WinRate: number;
  readonly rankGpt4: number;
  readonly rankAutoj: number;
}

export interface PaperTable {
  /** where the table was read from (shown on the page) */
  readonly file: string;
  readonly rows: readonly PaperRow[];
}

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

/** Everything the site is built from. Only `alpacaeval` and `pairwise` are required (possibly empty). */
export interface SiteInput {
  /** the published run per judge; one leaderboard (and model pages) per entry */
  readonly alpacaeval: readonly AlpacaEvalRunInput[];
  /** other runs (partial ones, say): each gets its own labelled pages, linked from the overview */
  readonly otherRuns?: readonly OtherRunInput[];
  /** latest pairwise result per judge */
  readonly pairwise: readonly PairwiseResult[];
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

export interface BuildOptions {
  /** the clock for the "generated at" line (tests pin it) */
  readonly now?: () => Date;
  /** the folder holding templates/, partials/ and assets/ (default: the package's reports/) */
  readonly reportsDir?: string;
  /** progress lines (stderr in the CLI) */
  readonly log?: (line: string) => void;
}

export interface BuildSummary {
  readonly outDir: string;
  /** site-relative paths of the pages written, `index.html` first */
  readonly pages: readonly string[];
  readonly durationMs: number;
}
