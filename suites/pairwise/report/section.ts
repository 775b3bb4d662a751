import {
  newestRunPerJudge,
  packageFolder,
  type PagePlan,
  type RunArchive,
  type SiteSection,
  type SuiteReport,
} from '../../../harness/report/index.js';
import { link, OVERVIEW_PAGE, SitePaths } from '../../../harness/report/paths.js';
import type { PairwiseResult } from '../result.js';
import { pairwiseOverviewView } from './overview.js';
import { pairwiseView } from './pairwise.js';

/** After the AlpacaEval leaderboards, before the paper and the histories. */
const ORDER = 20;

/** The pairwise part of the site: one page per judge's latest run. */
export function pairwiseSection(results: readonly PairwiseResult[]): SiteSection {
  const paths = new SitePaths();
  const planned = results.map((result) => ({
    result,
    page: `pairwise/${paths.slug('pairwise', result.judge.name)}.html`,
  }));
  const pages: PagePlan[] = planned.map((p) => ({
    page: p.page,
    template: 'pairwise',
    section: p.page,
    title: `Pairwise: ${p.result.judge.name}`,
    script: false,
    view: () => pairwiseView(p.result),
  }));
  return {
    suite: 'pairwise',
    templates: templatesDir(),
    nav: planned.map((p) => ({
      label: `Pairwise: ${p.result.judge.name}`,
      page: p.page,
      section: p.page,
      order: ORDER,
    })),
    overview:
      planned.length > 0
        ? [
            {
              template: 'overview',
              order: ORDER,
              view: pairwiseOverviewView(planned.map((p) => ({ ...p, href: link(OVERVIEW_PAGE, p.page) }))),
            },
          ]
        : [],
    pages,
  };
}

let templates: string | undefined;
/** suites/pairwise/report/templates, from the source and from dist/ alike. */
function templatesDir(): string {
  templates ??= packageFolder(import.meta.url, 'suites/pairwise/report/templates');
  return templates;
}

/** The latest run of each judge, by judge name. */
export const pairwiseReport: SuiteReport<PairwiseResult> = {
  async load(archive: RunArchive<PairwiseResult>): Promise<SiteSection> {
    const results = await newestRunPerJudge(archive);
    const finished = (r: PairwiseResult) => r.manifest?.finishedAt ?? '';
    results.sort(
      (a, b) => a.judge.name.localeCompare(b.judge.name) || finished(a).localeCompare(finished(b)),
    );
    return pairwiseSection(results);
  },
};
