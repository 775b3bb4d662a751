/**
 * The report stage: a static, self-contained HTML site rendered from stored results
 * (AlpacaEval runs, pairwise runs, leaderboard histories, the Auto-J paper's table).
 *
 *   const input = await loadSiteInput({ runsDir, leaderboardsDir });
 *   await buildSite({ ...input, outputs, critiques, instructions }, 'site');
 */
export { buildSite, SITE_MARKER } from './site.js';
export {
  bundledPaperFile,
  loadLeaderboardHistories,
  loadSiteInput,
  loadStoredResults,
  readPaperTable,
  type LoadSiteOptions,
  type StoredResults,
} from './load.js';
export { sourceOutputs } from './source-outputs.js';
export type {
  AlpacaEvalRunInput,
  BuildOptions,
  BuildSummary,
  CritiqueLookup,
  ItemText,
  OtherRunInput,
  OutputsLookup,
  PaperRow,
  PaperTable,
  Publication,
  SiteInput,
} from './types.js';
