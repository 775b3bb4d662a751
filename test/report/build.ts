/**
 * The report tests build the site from in-memory results in the shape they always had
 * (AlpacaEval runs, pairwise results, histories, the paper): here that input becomes the
 * two built-in suites' sections, as `bench report` makes them from the run archive.
 */
import {
  buildSite as buildSections,
  type BuildOptions,
  type BuildSummary,
} from '../../harness/report/index.js';
import { alpacaEvalSection } from '../../suites/alpacaeval/report/section.js';
import type { AlpacaEvalSiteInput } from '../../suites/alpacaeval/report/types.js';
import { pairwiseSection } from '../../suites/pairwise/report/section.js';
import type { PairwiseResult } from '../../suites/pairwise/result.js';

export interface SiteInput extends AlpacaEvalSiteInput {
  /** latest pairwise result per judge */
  readonly pairwise: readonly PairwiseResult[];
}

export function buildSite(input: SiteInput, outDir: string, options?: BuildOptions): Promise<BuildSummary> {
  return buildSections(
    { sections: [alpacaEvalSection(input), pairwiseSection(input.pairwise)] },
    outDir,
    options,
  );
}
