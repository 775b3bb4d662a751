import { packageFolder, runPagesReport } from '../../../harness/report/index.js';
import type { BestOfNResult } from '../result.js';
import { bestOfNView } from './view.js';

let templates: string | undefined;

/** The Best-of-N suite's pages: each judge's newest run. */
export const bestOfNReport = runPagesReport<BestOfNResult>({
  suite: 'bestofn',
  templates: () => (templates ??= packageFolder(import.meta.url, 'suites/bestofn/report/templates')),
  template: 'bestofn',
  label: 'Best-of-N',
  order: 28,
  judgeOf: (r) => r.judge.name,
  view: (r) => bestOfNView(r),
  overview: {
    title: 'Best-of-N selection',
    cards: (r) =>
      bestOfNView(r).overall.map((row) => ({
        label: row.size,
        value: row.judgePick,
        sub: `judge's pick; random ${row.randomPick}, best ${row.bestPick}`,
      })),
  },
});
