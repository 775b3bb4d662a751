import { BenchError } from '../../harness/core/errors.js';
import { sha256Hex } from '../../harness/core/hash.js';
import { RESAMPLES, SEED } from '../../harness/core/number-rules.js';
import { BUILT_IN_REFERENCES } from '../../harness/source/references.js';
import { sampleIndices } from '../../harness/stats/rng.js';
import type { Suite, SuiteContext, SuiteOutput } from '../../harness/suite/contract.js';
import { alpacaEvalInstructions } from './instruction-set.js';
import { correlationsCsv, modelsCsv, renderAlpacaEvalTable } from './present.js';
import { alpacaEvalReport } from './report/section.js';
import { diffAlpacaEvalRuns, renderAlpacaEvalDiff, type AlpacaEvalDiff } from './diff.js';
import { ALPACAEVAL_SCHEMA_VERSION, isCompleteRun, type AlpacaEvalResult } from './result.js';
import { placementOf, placementRun, placementText } from './place.js';
import { runOptionsFor, SCORE_KINDS, type ScoreKind } from './expected-score.js';
import {
  checkScenarioOptions,
  formatScenarioGroups,
  labelInstructions,
  SCENARIO_OPTIONS,
  scenarioSubjectKind,
  type ScenarioOptions,
} from './scenarios.js';
import { DEFAULT_MIN_COVERAGE, judgeAlpacaEval } from './suite.js';
import { alpacaEvalJudgeSummary } from './judge-summary.js';

/** `bench run alpacaeval`'s options, by flag name. */
export interface AlpacaEvalSuiteOptions extends ScenarioOptions {
  readonly reference?: readonly string[];
  readonly 'reference-column'?: string;
  readonly models?: readonly string[];
  readonly instructions?: number;
  /** a fraction, 0-1 */
  readonly 'min-coverage'?: number;
  readonly seed: number;
  readonly bootstrap: number;
  /** one submission's outputs file, placed in the judge's stored leaderboard (place.ts) */
  readonly 'model-outputs'?: string;
  /** its model id (default: its `generator` field) */
  readonly name?: string;
  readonly score?: ScoreKind;
}

/**
 * The identity of the instructions judged: the set's hash, or for a seeded subset, the hash
 * of the chosen indices too, so a different subset is never taken for "nothing new".
 */
export function instructionSelectionSha256(instructions: number | undefined, seed: number): string {
  const set = alpacaEvalInstructions();
  if (instructions === undefined || instructions >= set.instructions.length) return set.sha256;
  return sha256Hex(
    JSON.stringify({ set: set.sha256, indices: sampleIndices(set.instructions.length, instructions, seed) }),
  );
}

/**
 * AlpacaEval re-ranked by a judge: every submission's outputs rated (suite.ts), the models
 * ranked by mean rating, the ranking correlated with the GPT-4 leaderboards.
 */
export const alpacaEvalSuite: Suite<AlpacaEvalSuiteOptions, AlpacaEvalResult> = {
  name: 'alpacaeval',
  description:
    'judge every AlpacaEval submission, rank the models, and correlate the ranking with the GPT-4 leaderboards',
  judge: 'required',
  source: true,
  schemaVersion: ALPACAEVAL_SCHEMA_VERSION,
  options: [
    {
      name: 'reference',
      type: 'string',
      array: true,
      describe: `reference leaderboards: ${BUILT_IN_REFERENCES.join(', ')} or FILE.csv [default: all three]`,
    },
    {
      name: 'reference-column',
      type: 'string',
      describe: 'score column of a FILE.csv reference [default: win_rate]',
    },
    { name: 'models', type: 'string', array: true, describe: 'judge only these model ids' },
    {
      name: 'instructions',
      type: 'number',
      integer: true,
      min: 1,
      max: alpacaEvalInstructions().instructions.length,
      maxReason: `the instruction set has ${alpacaEvalInstructions().instructions.length}`,
      describe: 'judge a seeded random subset of N instructions (the same for all models)',
    },
    {
      name: 'seed',
      type: 'number',
      ...SEED,
      default: 1,
      describe: 'seed of the instruction subset and the bootstrap',
    },
    {
      name: 'bootstrap',
      type: 'number',
      ...RESAMPLES,
      default: 1000,
      describe: 'bootstrap resamples for the 95% intervals (0: none)',
    },
    {
      name: 'model-outputs',
      type: 'string',
      describe:
        "judge this model_outputs.json and place it in the judge's stored leaderboard (its newest snapshot or complete run), the other models from the store",
    },
    {
      name: 'name',
      type: 'string',
      describe: "with --model-outputs: the model's id [default: the file's generator field]",
    },
    {
      name: 'score',
      type: 'string',
      choices: SCORE_KINDS,
      default: 'rating',
      describe:
        "what ranks the models: the mean rating, or the mean expected rating from the judge's logprobs (both are reported)",
    },
    {
      name: 'min-coverage',
      type: 'share',
      default: DEFAULT_MIN_COVERAGE,
      describe:
        'skip (with the reason) a model with outputs for fewer of the instructions judged: a fraction (0.95) or a percentage (95%)',
    },
    ...SCENARIO_OPTIONS,
  ],
  check(options, label) {
    checkScenarioOptions(options, label);
    if (options.name !== undefined && options['model-outputs'] === undefined)
      throw new BenchError(`${label('name')} names the model of --model-outputs FILE`, { exitCode: 2 });
    const chosen = ['models', 'instructions'].filter((o) => options[o as keyof typeof options] !== undefined);
    if (options['model-outputs'] !== undefined && options.scenarios) chosen.push('scenarios');
    if (options['model-outputs'] !== undefined && chosen.length > 0) {
      throw new BenchError(
        `--model-outputs places a model in the stored leaderboard, whose models and instructions it judges: ${chosen.map(label).join(' and ')} cannot be given with it`,
        { exitCode: 2 },
      );
    }
  },
  async run(context, options) {
    if (!context.source)
      throw new BenchError('the alpacaeval suite reads an AlpacaEval source; none was given');
    if (options['model-outputs'] !== undefined) return placeModel(context, options, options['model-outputs']);
    const { judge, run } = await context.judge('single');
    const score = options.score ?? 'rating';
    const scenarios = options.scenarios ? await labelInstructions(context, options) : undefined;
    const output = await judgeAlpacaEval({
      files: context.source,
      cwd: context.cwd,
      references: options.reference && options.reference.length > 0 ? options.reference : BUILT_IN_REFERENCES,
      referenceColumn: options['reference-column'],
      models: options.models,
      instructions: options.instructions,
      minCoverage: options['min-coverage'],
      seed: options.seed,
      bootstrap: options.bootstrap,
      score,
      judge,
      run: runOptionsFor(judge, run, score),
      ...(scenarios ? { scenarios } : {}),
      warn: context.warn,
    });
    if (!scenarios || !output.judgments) return output;
    // the classifier's judgments count with the judge's (failures, --max-failures)
    const j = output.judgments;
    const s = scenarios.summary;
    return {
      ...output,
      judgments: {
        requested: j.requested + s.requested,
        errors: j.errors + s.errors,
        unparsed: j.unparsed + s.unparsed,
      },
    };
  },
  table: (result) =>
    (result.placement ? placementText(result.placement) : '') +
    (result.scenarios
      ? `${renderAlpacaEvalTable(result)}\n${formatScenarioGroups(result.scenarios, result.correlations)}`
      : renderAlpacaEvalTable(result)),
  subjectKind: scenarioSubjectKind,
  csv: {
    files: ['models.csv', 'correlations.csv'],
    render: (result) => ({ 'models.csv': modelsCsv(result), 'correlations.csv': correlationsCsv(result) }),
  },
  outcome: {
    empty: (result, _judgments, judged) =>
      result.models.some((m) => m.rank !== null)
        ? null
        : `no model ranked (${result.skipped.length} skipped: the reasons are in the result)${judged ? `; ${judged}` : ''}`,
    figures: 'scores',
    note: (result, judged) =>
      `${result.models.filter((m) => m.rank !== null).length} models ranked; ${judged}`,
  },
  report: alpacaEvalReport,
  runs: {
    describe: (result) => ({
      settings: [
        result.settings.models === 'all' ? 'all models' : `${result.models.length} models`,
        `${result.settings.instructions} of ${result.settings.instructionSetSize} instructions`,
        `seed ${result.settings.seed}`,
        `bootstrap ${result.settings.bootstrap}`,
        `references ${result.settings.references.join(' ')}`,
      ].join(', '),
      size: result.manifest.judgments.requested,
      complete: isCompleteRun(result),
    }),
    diff: (a, b, context) => diffAlpacaEvalRuns(a, b, context),
    diffTable: (diff) => renderAlpacaEvalDiff(diff as AlpacaEvalDiff),
  },
  judgeSummary: alpacaEvalJudgeSummary,
  leaderboard: {
    flags: ['instructions', 'min-coverage'],
    options: (request) => ({
      reference: [request.reference],
      models: request.models,
      seed: request.seed,
      bootstrap: request.bootstrap,
      ...(request.values as Pick<AlpacaEvalSuiteOptions, 'instructions' | 'min-coverage'>),
    }),
    selectionSha256: (options) => instructionSelectionSha256(options.instructions, options.seed),
    ranked(result) {
      // A night that ranks nobody (every model skipped) is a failed night, not a snapshot.
      if (!result.models.some((m) => m.rank !== null)) {
        const shown = result.skipped.slice(0, 3).map((m) => `${m.model}: ${m.reason}`);
        if (result.skipped.length > shown.length) shown.push('...');
        throw new BenchError(`no model ranked (${result.skipped.length} skipped: ${shown.join('; ')})`);
      }
      return result;
    },
  },
};

/**
 * A run of `--model-outputs FILE`: the judge's stored leaderboard (its models, instructions,
 * seed, resamples, references) with the file as one more submission, and where it landed.
 */
async function placeModel(
  context: SuiteContext,
  options: AlpacaEvalSuiteOptions,
  path: string,
): Promise<SuiteOutput<AlpacaEvalResult>> {
  if (!context.source || !context.stored)
    throw new BenchError('--model-outputs needs the stored runs, which this command does not keep');
  const { judge, run } = await context.judge('single');
  const place = await placementRun({
    path,
    ...(options.name === undefined ? {} : { name: options.name }),
    cwd: context.cwd,
    files: context.source,
    judge: judge.info,
    stored: context.stored,
    warn: context.warn,
  });
  context.log(
    `placing ${place.model} (${place.file}) in the ${judge.info.name} leaderboard ${place.leaderboard.file} with its ${place.models.length - 1} models (their judgments from the store)`,
  );
  // ranked as the leaderboard it joins was (its score kind), not as this command's default
  const score = place.leaderboard.result.settings.score ?? 'rating';
  const output = await judgeAlpacaEval({
    files: place.files,
    cwd: context.cwd,
    references: place.references,
    referenceColumn: options['reference-column'],
    models: place.models,
    instructions: place.instructions,
    minCoverage: options['min-coverage'],
    seed: place.seed,
    bootstrap: place.bootstrap,
    score,
    judge,
    run: runOptionsFor(judge, run, score),
    warn: context.warn,
  });
  const placement = placementOf(place, output.result);
  if (placement.rank === null) {
    // a file the source would skip (unreadable, too few outputs, nothing parsed) places nothing
    const reason = output.result.skipped.find((m) => m.model === place.model)?.reason ?? 'not ranked';
    throw new BenchError(reason.startsWith(place.file) ? reason : `${place.file}: ${reason}`);
  }
  return { ...output, result: { ...output.result, placement } };
}
