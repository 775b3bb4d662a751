import { BenchError } from '../../harness/core/errors.js';
import { sha256Hex } from '../../harness/core/hash.js';
import { RESAMPLES, SEED } from '../../harness/core/number-rules.js';
import { BUILT_IN_REFERENCES } from '../../harness/source/references.js';
import { sampleIndices } from '../../harness/stats/rng.js';
import type { Suite } from '../../harness/suite/contract.js';
import { alpacaEvalInstructions } from './instruction-set.js';
import { correlationsCsv, modelsCsv, renderAlpacaEvalTable } from './present.js';
import { alpacaEvalReport } from './report/section.js';
import { ALPACAEVAL_SCHEMA_VERSION, type AlpacaEvalResult } from './result.js';
import {
  checkScenarioOptions,
  formatScenarioGroups,
  labelInstructions,
  SCENARIO_OPTIONS,
  scenarioSubjectKind,
  type ScenarioOptions,
} from './scenarios.js';
import { DEFAULT_MIN_COVERAGE, judgeAlpacaEval } from './suite.js';

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
      name: 'min-coverage',
      type: 'share',
      default: DEFAULT_MIN_COVERAGE,
      describe:
        'skip (with the reason) a model with outputs for fewer of the instructions judged: a fraction (0.95) or a percentage (95%)',
    },
    ...SCENARIO_OPTIONS,
  ],
  check: checkScenarioOptions,
  async run(context, options) {
    if (!context.source)
      throw new BenchError('the alpacaeval suite reads an AlpacaEval source; none was given');
    const { judge, run } = await context.judge('single');
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
      judge,
      run,
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
    result.scenarios
      ? `${renderAlpacaEvalTable(result)}\n${formatScenarioGroups(result.scenarios, result.correlations)}`
      : renderAlpacaEvalTable(result),
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
