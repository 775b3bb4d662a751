import path from 'node:path';
import { BenchError } from '../../harness/core/errors.js';
import { RESAMPLES, SEED } from '../../harness/core/number-rules.js';
import { toCsv } from '../../harness/core/serialize.js';
import type { Suite } from '../../harness/suite/contract.js';
import { resolveAutojDataDir } from '../pairwise/data-dir.js';
import { CRITIQUE_LANGUAGES, loadCritiqueData, type CritiqueLanguage } from './data.js';
import { critiqueSubjectKind } from './live.js';
import { loadRecordedCritiques } from './recorded.js';
import type { CritiqueResult } from './result.js';
import { CRITIQUE_DEFAULTS, scoreCritiqueSuite } from './score.js';
import { formatCritiqueTable } from './table.js';

/** `bench run critique`'s options, by flag name. */
export interface CritiqueSuiteOptions {
  readonly language: CritiqueLanguage;
  readonly recorded?: string;
  readonly critiques?: string;
  readonly data?: string;
  readonly seed: number;
  readonly bootstrap: number;
}

/**
 * Critique generation (Auto-J's second meta-evaluation task): the judge's critiques of 232
 * responses against ChatGPT's, as a comparator model decides. Recorded mode scores a
 * comparison file in the authors' format (--recorded). See README.md beside this file.
 */
export const critiqueSuite: Suite<CritiqueSuiteOptions, CritiqueResult> = {
  name: 'critique',
  description: "win / tie / lose of the judge's critiques against ChatGPT's on Auto-J's 232 responses",
  usage:
    '$0 run critique --recorded FILE [--critiques FILE] [--language en|zh] [--json]\n\n' +
    "Scores a comparator's comparisons of a judge's critiques with the reference (ChatGPT) critiques,\n" +
    "in the authors' format (pairwise_critique_openai_eval.py's output).",
  examples: [
    {
      command:
        '$0 run critique --recorded ../shared/data/auto-j/data/outputs/gpt-4-Eval_auto-j_vs_chatgpt.jsonl',
      description: "GPT-4's comparisons of Auto-J's critiques (73.71 / 2.16 / 24.14)",
    },
  ],
  judge: 'none',
  options: [
    {
      name: 'language',
      type: 'string',
      choices: [...CRITIQUE_LANGUAGES],
      default: 'en',
      describe: 'the English set and prompt, or the Chinese (zh)',
    },
    {
      name: 'recorded',
      type: 'string',
      describe: 'comparisons in the authors\' format: one {"output", "meta": {"exchange"}} per line',
    },
    {
      name: 'critiques',
      type: 'string',
      describe:
        'with --recorded: the critiques it compared, one {"output"} per line (shown beside each comparison)',
    },
    {
      name: 'data',
      type: 'string',
      env: 'AUTOJ_DATA',
      describe: 'Auto-J data folder [env AUTOJ_DATA; default ../shared/data/auto-j]',
    },
    { name: 'seed', type: 'number', ...SEED, default: CRITIQUE_DEFAULTS.seed, describe: 'bootstrap seed' },
    {
      name: 'bootstrap',
      type: 'number',
      ...RESAMPLES,
      default: CRITIQUE_DEFAULTS.resamples,
      describe: 'bootstrap resamples for the 95% intervals (0 = none)',
    },
  ],
  check(options, label) {
    if (options.recorded === undefined)
      throw new BenchError(
        `${label('recorded')} FILE is missing: only recorded mode is available (live critique is not registered yet)`,
        { exitCode: 2 },
      );
  },
  async run(context, options) {
    const dataDir = resolveAutojDataDir(options.data, context.optionLabel('data'), context.cwd);
    const data = await loadCritiqueData(dataDir, options.language);
    context.log(`critique: ${data.items.length} items (${data.language}) from ${dataDir}`);
    const file = options.recorded!;
    const recorded = await loadRecordedCritiques(
      data,
      path.resolve(context.cwd, file),
      options.critiques === undefined ? {} : { critiquesFile: path.resolve(context.cwd, options.critiques) },
    );
    const result = scoreCritiqueSuite(data, recorded.comparisons, {
      judge: { name: 'recorded', mode: 'recorded', description: `comparisons from ${path.basename(file)}` },
      comparator: { name: 'recorded', model: null, description: `the comparator of ${path.basename(file)}` },
      order: { source: 'recorded' },
      ...(recorded.critiques ? { critiques: recorded.critiques } : {}),
      bootstrap: { resamples: options.bootstrap, seed: options.seed },
      inputs: recorded.inputs,
    });
    return { result };
  },
  table: formatCritiqueTable,
  csv: { files: ['groups.csv'], render: (result) => ({ 'groups.csv': critiqueGroupsCsv(result) }) },
  outcome: {
    empty: (result) => (result.overall.n === 0 ? 'no comparison with a decision' : null),
    figures: 'win / tie / lose',
    note: (_result, judged) => judged,
  },
  subjectKind: critiqueSubjectKind,
};

/** One row per group, overall last (percentages of the votes, unrounded). */
export function critiqueGroupsCsv(result: CritiqueResult): string {
  const rows = [...result.groups, { ...result.overall, group: 'Overall' }];
  return toCsv(
    ['group', 'n', 'win', 'tie', 'lose', 'unparsed', 'missing'],
    rows.map((g) => [g.group, g.n, g.win ?? '', g.tie ?? '', g.lose ?? '', g.unparsed, g.missing]),
  );
}
