import type { JudgeTable } from '../leaderboard/judges.js';
import type { SiteSection } from './sections.js';

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

/** Everything the site is built from: each suite's part, planned by the suite. */
export interface SiteInput {
  /** in the order of the registry; a suite without stored runs still names itself on an empty site */
  readonly sections: readonly SiteSection[];
  /** the judge leaderboard (`bench judges`), its own page when given */
  readonly judges?: JudgeTable;
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
