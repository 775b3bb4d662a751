import { RESAMPLES, SEED } from '../../harness/core/number-rules.js';
import { toCsv } from '../../harness/core/serialize.js';
import type { Suite } from '../../harness/suite/contract.js';
import { resolveAutojDataDir, autojDataOption } from '../pairwise/data-dir.js';
import { CLASSIFIER_PROFILE, labelQueries, predictionsOf } from './classify.js';
import { loadClassifierData } from './data.js';
import type { ScenariosResult } from './result.js';
import { SCENARIOS_DEFAULTS, scoreScenarioSuite } from './score.js';
import { formatScenariosTable } from './table.js';
import { scenariosReport } from './report/section.js';

/** `bench run scenarios`'s options, by flag name. */
export interface ScenariosSuiteOptions {
  readonly data?: string;
  readonly seed: number;
  readonly bootstrap: number;
}

/** The result with the envelope every run document has (`judge`: the classifier). */
export type ScenariosRunResult = ScenariosResult & {
  readonly judge: { readonly name: string; readonly description: string };
};

/**
 * The scenario classifier's accuracy on its released test set (623 queries), overall, per
 * group and as a confusion table of groups. The judge is the classifier (default
 * autoj-scenario-classifier). See README.md beside this file.
 */
export const scenariosSuite: Suite<ScenariosSuiteOptions, ScenariosRunResult> = {
  name: 'scenarios',
  description:
    "the scenario classifier's accuracy on its 623 test queries, per group, with a confusion table",
  usage:
    '$0 run scenarios [--judge autoj-scenario-classifier --endpoint URL] [--json]\n\n' +
    "Labels the classifier's test set with the judge (a label profile) and scores the labels against the categories.",
  judge: 'required',
  defaultJudge: CLASSIFIER_PROFILE,
  options: [
    autojDataOption(),
    { name: 'seed', type: 'number', ...SEED, default: SCENARIOS_DEFAULTS.seed, describe: 'bootstrap seed' },
    {
      name: 'bootstrap',
      type: 'number',
      ...RESAMPLES,
      default: SCENARIOS_DEFAULTS.resamples,
      describe: 'bootstrap resamples for the 95% intervals (0 = none)',
    },
  ],
  async run(context, options) {
    const dataDir = resolveAutojDataDir(options.data, context.optionLabel('data'), context.cwd);
    const data = await loadClassifierData(dataDir);
    context.log(`scenarios: ${data.items.length} queries from ${dataDir}`);
    const { judge, run } = await context.judge('single');
    const labelled = await labelQueries(
      data.items.map((i) => i.query),
      {
        classifier: judge,
        labels: data.labels,
        suite: 'scenarios',
        subject: (i) => `query ${data.items[i]!.index}`,
        run,
      },
    );
    const s = labelled.summary;
    context.log(
      `scenarios: ${s.requested} queries (${s.cached} from the store, ${s.sent} sent), ${s.unparsed} unparsed, ${s.errors} failed`,
    );
    const scored = scoreScenarioSuite(data, predictionsOf(labelled.judgments), {
      classifier: { name: judge.info.name, mode: 'live', description: judge.info.description },
      bootstrap: { resamples: options.bootstrap, seed: options.seed },
      inputs: data.inputs,
    });
    const result: ScenariosRunResult = {
      ...scored,
      judge: { name: judge.info.name, description: judge.info.description },
    };
    return { result, judgments: s };
  },
  table: formatScenariosTable,
  csv: { files: ['groups.csv'], render: (result) => ({ 'groups.csv': scenarioGroupsCsv(result) }) },
  outcome: {
    empty: (result, _judgments, judged) =>
      result.overall.n - result.overall.unparsed === 0
        ? `no query labelled: ${judged ?? 'nothing judged'}`
        : null,
    figures: 'accuracies',
    note: (_result, judged) => judged,
  },
  subjectKind: (subject) => (/^query \d+$/.test(subject) ? 'test queries' : undefined),
  report: scenariosReport,
};

/** One row per group, overall last (percentages, unrounded). */
export function scenarioGroupsCsv(result: ScenariosResult): string {
  const rows = [...result.groups, { ...result.overall, group: 'Overall' }];
  return toCsv(
    ['group', 'n', 'accuracy', 'group_accuracy', 'unparsed'],
    rows.map((g) => [g.group, g.n, g.accuracy ?? '', g.groupAccuracy ?? '', g.unparsed]),
  );
}
