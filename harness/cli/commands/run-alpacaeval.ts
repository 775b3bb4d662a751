import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { BenchError } from '../../core/errors.js';
import { HARNESS_VERSION, harnessGitCommit } from '../../core/provenance.js';
import { BUILT_IN_REFERENCES } from '../../source/references.js';
import { archiveRun } from '../../store/run-archive.js';
import { runAlpacaEval } from '../../../suites/alpacaeval/suite.js';
import type { AlpacaEvalResult } from '../../../suites/alpacaeval/result.js';
import { renderAlpacaEvalTable, modelsCsv, correlationsCsv } from '../../../suites/alpacaeval/present.js';
import { toJson } from '../format.js';
import { warningsTo } from '../io.js';
import type { CommandRegistrar } from '../program.js';
import { runsDir } from '../settings.js';
import { sourceOptions, openSource } from '../source-options.js';
import { judgeOptions, openJudge, runOptionsFor } from '../judge-options.js';
import { renderReport } from './report.js';

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
        .check((a) => {
          if (a.instructions !== undefined && (!Number.isInteger(a.instructions) || a.instructions < 1)) {
            throw new BenchError('--instructions must be a positive whole number');
          }
          if (!Number.isInteger(a.seed)) throw new BenchError('--seed must be a whole number');
          if (!Number.isInteger(a.bootstrap) || a.bootstrap < 0)
            throw new BenchError('--bootstrap must be 0 or more');
          return true;
        }),
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
          seed: args.seed,
          bootstrap: args.bootstrap,
          judge: connected.judge,
          run: runOptionsFor(connected, io),
          warn: warningsTo(io),
          harnessVersion: HARNESS_VERSION,
          gitCommit: harnessGitCommit(),
        });
        const archived = await archiveRun(runsDir(io), result);
        io.stderr(`result kept in ${archived}\n`);
        if (args.report)
          await renderReport(io, { out: args.report, files, ...(args.store ? { store: args.store } : {}) });
        if (args.out) {
          const out = resolve(io.cwd, args.out);
          await writeFileAtomic(join(out, 'result.json'), toJson(result));
          await writeFileAtomic(join(out, 'models.csv'), modelsCsv(result));
          await writeFileAtomic(join(out, 'correlations.csv'), correlationsCsv(result));
          io.stderr(`wrote ${out}/result.json, models.csv, correlations.csv\n`);
        }
        io.stdout(args.json ? toJson(result) : renderAlpacaEvalTable(result));
      } finally {
        await opened.close();
      }
    },
  );
