import { headlineCards, packageFolder, runPagesReport } from '../../../harness/report/index.js';
import type { ScenariosRunResult } from '../index.js';
import { scenariosView } from './view.js';

let templates: string | undefined;

/** The scenarios suite's pages: each classifier's newest run. */
export const scenariosReport = runPagesReport<ScenariosRunResult>({
  suite: 'scenarios',
  templates: () => (templates ??= packageFolder(import.meta.url, 'suites/scenarios/report/templates')),
  template: 'scenarios',
  label: 'Scenarios',
  order: 26,
  judgeOf: (r) => r.judge.name,
  view: (r) => scenariosView(r),
  overview: {
    title: 'Scenario classifier',
    cards: (r) => headlineCards(scenariosView(r).headline),
  },
});
