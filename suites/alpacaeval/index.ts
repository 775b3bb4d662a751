import { BenchError } from '../../harness/core/errors.js';
import { sha256Hex } from '../../harness/core/hash.js';
import { BUILT_IN_REFERENCES } from '../../harness/source/references.js';
import { sampleIndices } from '../../harness/stats/rng.js';
import type { Suite } from '../../harness/suite/contract.js';
import { alpacaEvalInstructions } from './instruction-set.js';
import { correlationsCsv, modelsCsv, renderAlpacaEvalTable } from './present.js';
import { alpacaEvalReport } from './report/section.js';
import type { AlpacaEvalResult } from './result.js';
import { judgeAlpacaEval } from './suite.js';

/** `bench run alpacaeval`'s options, by flag name. */
export interface AlpacaEvalSuiteOptions {
  readonly reference?: readonly string[];
  readonly 'reference-column'?: string;
  readonly models?: readonly string[];
  readonly instructions?: number;
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
  schemaVersion: 1,
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
      describe: 'judge a seeded random subset of N instructions (the same for all models)',
    },
    {
      name: 'seed',
      type: 'number',
      integer: true,
      default: 1,
      describe: 'seed of the instruction subset and the bootstrap',
    },
    {
      name: 'bootstrap',
      type: 'number',
      integer: true,
      min: 0,
      default: 1000,
      describe: 'bootstrap resamples for the 95% intervals (0: none)',
    },
  ],
  async run(context, options) {
    if (!context.source)
      throw new BenchError('the alpacaeval suite reads an AlpacaEval source; none was given');
    const { judge, run } = await context.judge('single');
    return judgeAlpacaEval({
      files: context.source,
      cwd: context.cwd,
      references: options.reference && options.reference.length > 0 ? options.reference : BUILT_IN_REFERENCES,
      referenceColumn: options['reference-column'],
      models: options.models,
      instructions: options.instructions,
      seed: options.seed,
      bootstrap: options.bootstrap,
      judge,
      run,
      warn: context.warn,
    });
  },
  table: renderAlpacaEvalTable,
  csv: {
    files: ['models.csv', 'correlations.csv'],
    render: (result) => ({ 'models.csv': modelsCsv(result), 'correlations.csv': correlationsCsv(result) }),
  },
  report: alpacaEvalReport,
  leaderboard: {
    options: (request) => ({
      reference: [request.reference],
      models: request.models,
      instructions: request.instructions,
      seed: request.seed,
      bootstrap: request.bootstrap,
    }),
    selectionSha256: (options) => instructionSelectionSha256(options.instructions, options.seed),
    ranked: (result) => result,
  },
};
