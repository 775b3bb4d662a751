import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { BenchError, FAILED_JUDGMENTS_EXIT } from '../../core/errors.js';
import { HARNESS_VERSION, harnessGitCommit } from '../../core/provenance.js';
import { BUILT_IN_REFERENCES } from '../../source/references.js';
import { archiveRun } from '../../store/run-archive.js';
import { DEFAULT_MIN_COVERAGE, runAlpacaEval } from '../../../suites/alpacaeval/suite.js';
import { alpacaEvalInstructions } from '../../../suites/alpacaeval/instruction-set.js';
import type { AlpacaEvalResult } from '../../../suites/alpacaeval/result.js';
import { renderAlpacaEvalTable, modelsCsv, correlationsCsv } from '../../../suites/alpacaeval/present.js';
import { formatShare, toJson } from '../format.js';
import { warningsTo } from '../io.js';
import { numberChecks, parseShare, RESAMPLES, SEED, type NumberRule } from '../number-options.js';
import type { CommandRegistrar } from '../program.js';
import { runsDir } from '../settings.js';
import { sourceOptions, openSource } from '../source-options.js';
import { judgeOptions, judgmentOutcome, openJudge, runOptionsFor } from '../judge-options.js';
import { renderReport } from './report.js';

/** --instructions: a subset of the instruction set, never more than it has. */
export const INSTRUCTIONS_RULE: NumberRule = {
  integer: true,
  min: 1,
  max: alpacaEvalInstructions().instructions.length,
  maxReason: `the instruction set has ${alpacaEvalInstructions().instructions.length}`,
};

/** --min-coverage, for every command that ranks AlpacaEval submissions. */
export const MIN_COVERAGE_OPTION = {
  type: 'string',
  default: formatShare(DEFAULT_MIN_COVERAGE),
  describe:
    'skip (with the reason) a model with outputs for fewer of the instructions judged: a fraction (0.95) or a percentage (95%)',
} as const;

export const runAlpacaEvalCommand: CommandRegistrar = (cli, io) =>
  cli.command(
    'alpacaeval',
    'judge every AlpacaEval submission, rank the models, and correlate the ranking with the GPT-4 leaderboards',
    (y) =>
      sourceOptions(judgeOptions(y))
        .option('reference', {
          type: 'string',
          array: true,
          describe: `reference leaderboards: ${BUILT_IN_REFERENCES.join(', ')} or FILE.csv [default: all three]`,
        })
        .option('reference-column', {
          type: 'string',
          describe: 'score column of a FILE.csv reference [default: win_rate]',
        })
        .option('models', { type: 'string', array: true, describe: 'judge only these model ids' })
        .option('instructions', {
          type: 'number',
          describe: 'judge a seeded random subset of N instructions (the same for all models)',
        })
        .option('seed', {
          type: 'number',
          default: 1,
          describe: 'seed of the instruction subset and the bootstrap',
        })
        .option('bootstrap', {
          type: 'number',
          default: 1000,
          describe: 'bootstrap resamples for the 95% intervals (0: none)',
        })
        .option('out', {
          type: 'string',
          describe: 'also write result.json, models.csv and correlations.csv here',
        })
        .option('report', { type: 'string', describe: 'render the report site into DIR after the run' })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'print the result as one JSON document',
        })
        .option('min-coverage', MIN_COVERAGE_OPTION)
        .check(numberChecks({ instructions: INSTRUCTIONS_RULE, seed: SEED, bootstrap: RESAMPLES }))
        .check((a) => parseShare('min-coverage', a['min-coverage']) !== undefined),
    async (args) => {
      const files = openSource(args, io);
      io.stderr(`source: ${files.location}\n`);
      const opened = openJudge(args, io);
      try {
        const connected = await opened.connect();
        const result: AlpacaEvalResult = await runAlpacaEval({
          files,
          cwd: io.cwd,
          references: args.reference && args.reference.length > 0 ? args.reference : BUILT_IN_REFERENCES,
          referenceColumn: args['reference-column'],
          models: args.models,
          instructions: args.instructions,
          minCoverage: parseShare('min-coverage', args['min-coverage']),
          seed: args.seed,
          bootstrap: args.bootstrap,
          judge: connected.judge,
          run: runOptionsFor(connected, io),
          warn: warningsTo(io),
          harnessVersion: HARNESS_VERSION,
          gitCommit: harnessGitCommit(),
        });
        const ranked = result.models.filter((m) => m.rank !== null).length;
        const outcome = judgmentOutcome(result.manifest.judgments, args['max-failures']);
        // A run that ranks nothing is not kept as a run (the site would show it); one
        // with failed judgments is kept to be inspected, but not rendered.
        const archived = ranked > 0 ? await archiveRun(runsDir(io), result) : undefined;
        if (archived) io.stderr(`result kept in ${archived}\n`);
        const render = args.report !== undefined && ranked > 0 && outcome.allowed;
        if (render && args.report)
          await renderReport(io, { out: args.report, files, ...(args.store ? { store: args.store } : {}) });
        if (args.out) {
          const out = resolve(io.cwd, args.out);
          await writeFileAtomic(join(out, 'result.json'), toJson(result));
          await writeFileAtomic(join(out, 'models.csv'), modelsCsv(result));
          await writeFileAtomic(join(out, 'correlations.csv'), correlationsCsv(result));
          io.stderr(`wrote ${out}/result.json, models.csv, correlations.csv\n`);
        }
        io.stdout(args.json ? toJson(result) : renderAlpacaEvalTable(result));
        const notRendered = args.report !== undefined && !render ? '; --report not rendered' : '';
        if (ranked === 0) {
          throw new BenchError(
            `no model ranked (${result.skipped.length} skipped: the reasons are in the result)` +
              `${outcome.summary ? `; ${outcome.summary}` : ''}; the run is not archived${notRendered}`,
          );
        }
        if (!outcome.allowed) {
          throw new BenchError(
            `${outcome.summary}: the scores leave them out; the same command judges them again, --max-failures N allows N` +
              notRendered,
            { exitCode: FAILED_JUDGMENTS_EXIT },
          );
        }
        if (outcome.summary) io.stderr(`bench: ${ranked} models ranked; ${outcome.summary}\n`);
      } finally {
        await opened.close();
      }
    },
  );
