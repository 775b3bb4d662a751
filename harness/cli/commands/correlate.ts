import { openSource, sourceOptions } from '../source-options.js';
import { BUILT_IN_REFERENCES, loadReference, readScoreCsv } from '../../source/references.js';
import { correlatePairs } from '../../stats/correlate-pairs.js';
import { fixed, formatTable, interval, toJson } from '../format.js';
import { numberChecks, RESAMPLES, SEED } from '../number-options.js';
import type { CommandRegistrar } from '../program.js';
import { resolve } from 'node:path';

export const correlateCommand: CommandRegistrar = (cli, io) =>
  cli.command(
    'correlate',
    'correlate any per-model scores (a CSV) with a reference leaderboard',
    (y) =>
      sourceOptions(y)
        .option('scores', {
          type: 'string',
          demandOption: true,
          describe: 'CSV with a model column and a score column',
        })
        .option('model-column', { type: 'string', default: 'model', describe: 'model id column of --scores' })
        .option('score-column', { type: 'string', default: 'score', describe: 'score column of --scores' })
        .option('reference', {
          type: 'string',
          demandOption: true,
          describe: `${BUILT_IN_REFERENCES.join(', ')} (read from --source) or a leaderboard FILE.csv`,
        })
        .option('reference-column', {
          type: 'string',
          describe: 'score column of a FILE.csv reference [default: win_rate]',
        })
        .option('seed', { type: 'number', default: 1, describe: 'bootstrap seed' })
        .option('bootstrap', {
          type: 'number',
          default: 1000,
          describe: 'bootstrap resamples over models (0: none)',
        })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'print the result as one JSON document',
        })
        .check(numberChecks({ seed: SEED, bootstrap: RESAMPLES })),
    async (args) => {
      const files = openSource(args, io);
      const reference = await loadReference(args.reference, {
        files,
        cwd: io.cwd,
        column: args['reference-column'],
      });
      const scores = await readScoreCsv(resolve(io.cwd, args.scores), {
        modelColumn: args['model-column'],
        scoreColumn: args['score-column'],
      });
      const models = [...scores.scores.keys()].filter((m) => reference.scores.has(m));
      const x = models.map((m) => scores.scores.get(m)!);
      const y = models.map((m) => reference.scores.get(m)!);
      const stats = correlatePairs(x, y, { resamples: args.bootstrap, seed: args.seed });
      const unmatched = {
        scores: [...scores.scores.keys()].filter((m) => !reference.scores.has(m)),
        reference: [...reference.scores.keys()].filter((m) => !scores.scores.has(m)),
      };
      const result = {
        n: stats.n,
        spearman: stats.spearman,
        kendall: stats.kendall,
        pearson: stats.pearson,
        reference: { name: reference.name, file: reference.file, column: reference.column },
        scores: { file: scores.file, column: scores.column },
        models,
        unmatched,
        excluded: { scores: scores.excluded, reference: reference.excluded },
        bootstrap: { resamples: args.bootstrap, seed: args.seed, over: 'models' },
      };
      if (stats.n < 3) io.stderr(`bench: warning: only ${stats.n} models in common with the reference\n`);
      if (args.json) {
        io.stdout(toJson(result));
        return;
      }
      io.stdout(
        `${scores.file} (${scores.column}) vs ${reference.file} (${reference.column}): ${stats.n} models in common\n` +
          formatTable(
            ['statistic', 'value', `95% CI (${args.bootstrap} resamples over models)`],
            (['spearman', 'kendall', 'pearson'] as const).map((s) => [
              s === 'kendall' ? 'kendall tau-b' : s,
              fixed(stats[s].value, 4),
              interval(stats[s].ci95, 4),
            ]),
          ) +
          (unmatched.scores.length
            ? `not in the reference (${unmatched.scores.length}): ${unmatched.scores.join(', ')}\n`
            : '') +
          (unmatched.reference.length
            ? `reference models without a score: ${unmatched.reference.length}\n`
            : ''),
      );
    },
  );
