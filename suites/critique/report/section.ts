import { headlineCards, packageFolder, runPagesReport } from '../../../harness/report/index.js';
import type { CritiqueResult } from '../result.js';
import { critiqueView } from './view.js';

let templates: string | undefined;

/** The critique suite's pages: each judge's newest run (after the pairwise pages). */
export const critiqueReport = runPagesReport<CritiqueResult>({
  suite: 'critique',
  templates: () => (templates ??= packageFolder(import.meta.url, 'suites/critique/report/templates')),
  template: 'critique',
  label: 'Critique',
  order: 24,
  judgeOf: (r) => r.judge.name,
  view: (r) => critiqueView(r),
  overview: {
    title: "Critiques against ChatGPT's",
    cards: (r) => headlineCards(critiqueView(r).headline),
  },
});
