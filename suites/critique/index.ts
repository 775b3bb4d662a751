import path from 'node:path';
import { BenchError } from '../../harness/core/errors.js';
import { RESAMPLES, SEED } from '../../harness/core/number-rules.js';
import { isSafePathSegment } from '../../harness/core/safe-name.js';
import { toCsv } from '../../harness/core/serialize.js';
import type { RunSummary } from '../../harness/runner/run-judgments.js';
import type { Suite, SuiteContext } from '../../harness/suite/contract.js';
import { resolveAutojDataDir, autojDataOption } from '../pairwise/data-dir.js';
import { COMPARATOR_PROFILE } from './compare.js';
import { CRITIQUE_LANGUAGES, loadCritiqueData, type CritiqueData, type CritiqueLanguage } from './data.js';
import { compareCritiques, critiqueSubjectKind, critiqueTexts, writeCritiques } from './live.js';
import { loadRecordedCritiques } from './recorded.js';
import { critiqueReport } from './report/section.js';
import type { CritiqueResult } from './result.js';
import { CRITIQUE_DEFAULTS, scoreCritiqueSuite } from './score.js';
import { formatCritiqueTable } from './table.js';

/** `bench run critique`'s options, by flag name. */
export interface CritiqueSuiteOptions {
  readonly language: CritiqueLanguage;
  readonly recorded?: string;
  readonly critiques?: string;
  readonly 'recorded-judge': string;
  readonly 'comparator-endpoint'?: string;
  readonly 'comparator-model'?: string;
  readonly 'comparator-api-key'?: string;
  readonly 'comparator-max-model-len'?: number;
  readonly data?: string;
  readonly seed: number;
  readonly bootstrap: number;
}

/**
 * Critique generation (Auto-J's second meta-evaluation task): the judge's critiques of 232
 * responses against ChatGPT's, as a comparator model decides. Recorded mode scores a
 * comparison file in the authors' format (--recorded); live mode has the judge write its
 * critiques and the comparator (--comparator-endpoint) compare them, both through the store.
 * See README.md beside this file.
 */
export const critiqueSuite: Suite<CritiqueSuiteOptions, CritiqueResult> = {
  name: 'critique',
  description: "win / tie / lose of the judge's critiques against ChatGPT's on Auto-J's 232 responses",
  usage:
    '$0 run critique --recorded FILE [--critiques FILE] [--language en|zh] [--json]\n' +
    '$0 run critique [--judge autoj --endpoint URL] --comparator-endpoint URL [--comparator-model NAME] [--json]\n\n' +
    "A comparator compares the judge's critique of each response with the reference (ChatGPT's) in the\n" +
    "authors' prompt: from a comparison file in the authors' format (pairwise_critique_openai_eval.py's\n" +
    'output), or live. --language is also the template language of the judge (zh: autoj-bilingual).',
  examples: [
    {
      command:
        '$0 run critique --recorded ../shared/data/auto-j/data/outputs/gpt-4-Eval_auto-j_vs_chatgpt.jsonl',
      description: "GPT-4's comparisons of Auto-J's critiques (73.71 / 2.16 / 24.14)",
    },
  ],
  judge: 'optional',
  options: [
    {
      name: 'language',
      type: 'string',
      choices: [...CRITIQUE_LANGUAGES],
      default: 'en',
      describe: "the English set and prompt, or the Chinese (zh); the judge's template language too",
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
      name: 'recorded-judge',
      type: 'string',
      default: 'autoj',
      describe: 'with --recorded: the judge profile whose critiques were compared (its row in bench judges)',
    },
    {
      name: 'comparator-endpoint',
      type: 'string',
      describe:
        'live mode: OpenAI-compatible base URL of the comparator (a chat model; GPT-4 for the authors)',
    },
    {
      name: 'comparator-model',
      type: 'string',
      describe: 'live mode: the comparator model [default: the one model its endpoint lists]',
    },
    {
      name: 'comparator-api-key',
      type: 'string',
      env: 'COMPARATOR_API_KEY',
      describe:
        "live mode: the comparator's API key [env COMPARATOR_API_KEY; the judge's is never sent to it]",
    },
    {
      name: 'comparator-max-model-len',
      type: 'number',
      integer: true,
      min: 1,
      describe:
        "live mode: the comparator's context length in tokens, for an endpoint that lists no max_model_len (a hosted model)",
    },
    autojDataOption(),
    {
      name: 'seed',
      type: 'number',
      ...SEED,
      default: CRITIQUE_DEFAULTS.seed,
      describe: "bootstrap seed, and live mode's seed of the order of each item's two critiques",
    },
    {
      name: 'bootstrap',
      type: 'number',
      ...RESAMPLES,
      default: CRITIQUE_DEFAULTS.resamples,
      describe: 'bootstrap resamples for the 95% intervals (0 = none)',
    },
  ],
  check(options, label) {
    if (!isSafePathSegment(options['recorded-judge']))
      throw new BenchError(
        `${label('recorded-judge')}: not a judge profile name (letters, digits, _ . + @ = -)`,
        {
          exitCode: 2,
        },
      );
    if (options.recorded === undefined && options['comparator-endpoint'] === undefined)
      throw new BenchError(
        `${label('comparator-endpoint')} URL is missing: live mode needs a comparator (or give ${label('recorded')} FILE)`,
        { exitCode: 2 },
      );
    if (options.recorded === undefined && options.critiques !== undefined)
      throw new BenchError(`${label('critiques')} FILE goes with ${label('recorded')} FILE`, { exitCode: 2 });
  },
  async run(context, options) {
    const dataDir = resolveAutojDataDir(options.data, context.optionLabel('data'), context.cwd);
    const data = await loadCritiqueData(dataDir, options.language);
    context.log(`critique: ${data.items.length} items (${data.language}) from ${dataDir}`);
    const bootstrap = { resamples: options.bootstrap, seed: options.seed };
    if (options.recorded !== undefined) {
      const file = options.recorded;
      const recorded = await loadRecordedCritiques(
        data,
        path.resolve(context.cwd, file),
        options.critiques === undefined
          ? {}
          : { critiquesFile: path.resolve(context.cwd, options.critiques) },
      );
      const result = scoreCritiqueSuite(data, recorded.comparisons, {
        judge: {
          name: 'recorded',
          mode: 'recorded',
          description: `comparisons from ${path.basename(file)}`,
          profile: options['recorded-judge'],
        },
        comparator: {
          name: 'recorded',
          model: null,
          description: `the comparator of ${path.basename(file)}`,
        },
        order: { source: 'recorded' },
        ...(recorded.critiques ? { critiques: recorded.critiques } : {}),
        bootstrap,
        inputs: recorded.inputs,
      });
      return { result };
    }
    return liveRun(context, options, data, bootstrap);
  },
  table: formatCritiqueTable,
  csv: { files: ['groups.csv'], render: (result) => ({ 'groups.csv': critiqueGroupsCsv(result) }) },
  outcome: {
    empty: (result, _judgments, judged) =>
      result.overall.n === 0 ? `no comparison with a decision${judged ? `: ${judged}` : ''}` : null,
    figures: 'win / tie / lose',
    note: (_result, judged) => judged,
  },
  subjectKind: critiqueSubjectKind,
  judgeSummary: (result) => ({
    judge: result.judge.profile ?? result.judge.name,
    complete: true,
    figures: [
      {
        key: 'critique.win',
        label: 'Critique win rate',
        kind: 'percent',
        value: result.overall.win,
        ci95: result.overall.winCi95,
        n: result.overall.n,
        note: `tie ${result.overall.ties}, lose ${result.overall.losses} of ${result.overall.n} votes`,
      },
    ],
  }),
  report: critiqueReport,
};

/** Live mode: the judge writes its critiques, the comparator compares them (both stored). */
async function liveRun(
  context: SuiteContext,
  options: CritiqueSuiteOptions,
  data: CritiqueData,
  bootstrap: { resamples: number; seed: number },
) {
  if (!context.otherJudge)
    throw new BenchError('critique: live mode needs a comparator, which this command cannot open');
  const critic = await context.judge('single');
  const written = await writeCritiques(data, { judge: critic.judge, run: critic.run });
  context.log(`critique: ${counts('critiques', written.summary)}`);
  const critiques = critiqueTexts(written.judgments, critic.texts);
  const comparator = await context.otherJudge({
    profile: COMPARATOR_PROFILE,
    protocol: 'pairwise',
    endpoint: options['comparator-endpoint']!,
    language: data.language,
    ...(options['comparator-model'] === undefined ? {} : { model: options['comparator-model'] }),
    ...(options['comparator-api-key'] === undefined ? {} : { apiKey: options['comparator-api-key'] }),
    ...(options['comparator-max-model-len'] === undefined
      ? {}
      : { maxModelLen: options['comparator-max-model-len'] }),
    maxModelLenOption: context.optionLabel('comparator-max-model-len'),
  });
  const compared = await compareCritiques(data, critiques, {
    comparator: comparator.judge,
    seed: options.seed,
    run: comparator.run,
    answers: comparator.texts,
  });
  context.log(`critique: ${counts('comparisons', compared.summary)}`);
  const info = comparator.judge.info;
  const result = scoreCritiqueSuite(data, compared.comparisons, {
    judge: { name: critic.judge.info.name, mode: 'live', description: critic.judge.info.description },
    comparator: { name: info.name, model: info.model, description: info.description },
    order: { source: 'seeded', seed: options.seed },
    critiques,
    bootstrap,
    inputs: data.inputs,
  });
  const a = written.summary;
  const b = compared.summary;
  return {
    result,
    judgments: {
      requested: a.requested + b.requested,
      errors: a.errors + b.errors,
      unparsed: a.unparsed + b.unparsed,
    },
  };
}

function counts(what: string, s: RunSummary): string {
  return `${s.requested} ${what} (${s.cached} from the store, ${s.sent} sent), ${s.unparsed} unparsed, ${s.errors} failed`;
}

/** One row per group, overall last (percentages of the votes, unrounded). */
export function critiqueGroupsCsv(result: CritiqueResult): string {
  const rows = [...result.groups, { ...result.overall, group: 'Overall' }];
  return toCsv(
    ['group', 'n', 'win', 'tie', 'lose', 'unparsed', 'missing'],
    rows.map((g) => [g.group, g.n, g.win ?? '', g.tie ?? '', g.lose ?? '', g.unparsed, g.missing]),
  );
}
