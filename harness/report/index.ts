/**
 * The report stage: a static, self-contained HTML site rendered from stored results. It
 * knows no suite: each suite plans its own pages (`SuiteReport`, sections.ts) from its
 * archived runs, and the site puts them together with the overview and the navigation.
 *
 *   const sections = await loadSiteSections(runsDir, suites, context);
 *   await buildSite({ sections }, 'site');
 */
export { buildSite, SITE_MARKER } from './site.js';
export {
  loadLeaderboardHistories,
  loadSiteSections,
  newestRunPerJudge,
  runArchiveOf,
  type ReportedSuite,
} from './load.js';
export {
  headlineCards,
  manifestOf,
  runFacts,
  runPagesReport,
  runPagesSection,
  type RunCard,
  type RunPagesReport,
} from './run-pages.js';
export { sourceOutputs } from './source-outputs.js';
export { packageFolder } from './templates.js';
export type {
  NavPlan,
  OverviewPart,
  PagePlan,
  ReportContext,
  RunArchive,
  SiteSection,
  SuiteReport,
} from './sections.js';
export type {
  BuildOptions,
  BuildSummary,
  CritiqueLookup,
  ItemText,
  OutputsLookup,
  SiteInput,
} from './types.js';
