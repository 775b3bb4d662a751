import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { BenchError } from '../../core/errors.js';
import { HARNESS_VERSION, harnessGitCommit } from '../../core/provenance.js';
import type { PairwiseManifest, PairwiseResult } from '../../../suites/pairwise/result.js';
import { scorePairwiseSuite } from '../../../suites/pairwise/score.js';
import {
  loadPairwiseData,
  loadRecordedJudgments,
  PAIRWISE_DEFAULTS,
} from '../../../suites/pairwise/suite.js';
import { formatPairwiseTable } from '../../../suites/pairwise/table.js';
import type { CliIO } from '../io.js';
import type { CommandRegistrar } from '../program.js';
import { runsDir } from '../settings.js';
import { archiveRun } from '../../store/run-archive.js';

/** Where the Auto-J data folder is looked for when neither --data nor $AUTOJ_DATA is given. */
export const DEFAULT_AUTOJ_DATA = '../shared/data/auto-j';

/**
 * `bench run pairwise`: agreement with human labels and swap consistency on Auto-J's
 * 1,392 pairs. Recorded mode scores verdict files (--predictions, --swapped); live mode
 * (--judge) is not wired yet.
 */
export const runPairwise: CommandRegistrar = (cli, io) =>
  cli.command(
    'pairwise',
    "agreement with human labels and swap consistency on Auto-J's 1,392 labelled pairs",
    (y) =>
      y
        .usage(
          '$0 run pairwise --predictions FILE --swapped FILE [--data DIR] [--json]\n\n' +
            'Scores verdicts on the pairs in the given order and in the swapped order against the human labels.',
        )
        .option('predictions', {
          type: 'string',
          describe: 'verdicts with the responses in the given order: one {"output": 0|1|2} per line',
        })
        .option('swapped', {
          type: 'string',
          describe: 'verdicts on the swapped prompts, as the judge answered them (not mapped back)',
        })
        .option('data', {
          type: 'string',
          describe: `Auto-J data folder [default: $AUTOJ_DATA, then ${DEFAULT_AUTOJ_DATA}]`,
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the result document as JSON' })
        .option('seed', { type: 'number', default: PAIRWISE_DEFAULTS.seed, describe: 'bootstrap seed' })
        .option('bootstrap', {
          type: 'number',
          default: PAIRWISE_DEFAULTS.resamples,
          describe: 'bootstrap resamples for the 95% intervals (0 = none)',
        })
        .example(
          '$0 run pairwise --predictions ../shared/data/auto-j/data/outputs/pairwise_example_output.jsonl --swapped ../shared/data/auto-j/data/outputs/pairwise_exchange_example_output.jsonl',
          "Auto-J's own verdicts (54.96 / 83.41)",
        ),
    async (argv) => {
      const { predictions, swapped } = argv;
      if (predictions === undefined || swapped === undefined) {
        throw new BenchError(
          predictions === undefined && swapped === undefined
            ? 'pass --predictions FILE and --swapped FILE (live judging with --judge is not available yet)'
            : `--${predictions === undefined ? 'predictions' : 'swapped'} FILE is missing: recorded mode needs both verdict files`,
          { exitCode: 2 },
        );
      }
      const seed = integerOption('seed', argv.seed, Number.MIN_SAFE_INTEGER);
      const resamples = integerOption('bootstrap', argv.bootstrap, 0);
      const dataDir = resolveAutojData(argv.data, io);

      const startedAt = new Date();
      const data = await loadPairwiseData(dataDir);
      io.stderr(`pairwise: ${data.pairs.length} pairs from ${dataDir}\n`);
      const recorded = await loadRecordedJudgments(
        data,
        path.resolve(io.cwd, predictions),
        path.resolve(io.cwd, swapped),
      );
      const result = scorePairwiseSuite(data, recorded.judgments, {
        judge: {
          name: 'recorded',
          mode: 'recorded',
          description: `verdicts from ${path.basename(predictions)} (swapped: ${path.basename(swapped)})`,
        },
        bootstrap: { resamples, seed },
        inputs: recorded.inputs,
      });
      const finishedAt = new Date();
      const manifest: PairwiseManifest = {
        harnessVersion: HARNESS_VERSION,
        gitCommit: harnessGitCommit(),
        node: process.version,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
      };
      io.stderr(`pairwise: read and scored in ${manifest.durationMs} ms\n`);
      const document: PairwiseResult = { ...result, manifest };
      io.stderr(`result kept in ${await archiveRun(runsDir(io), { ...document, manifest })}\n`);
      io.stdout(argv.json ? `${JSON.stringify(document, null, 2)}\n` : formatPairwiseTable(document));
    },
  );

/** --data, then $AUTOJ_DATA, then ../shared/data/auto-j (relative to the working directory). */
export function resolveAutojData(flag: string | undefined, io: Pick<CliIO, 'env' | 'cwd'>): string {
  const given = flag ?? io.env.AUTOJ_DATA;
  if (given !== undefined && given !== '') {
    const dir = path.resolve(io.cwd, given);
    const from = flag !== undefined ? '--data' : '$AUTOJ_DATA';
    if (!isDirectory(dir)) throw new BenchError(`${from} ${given}: no such folder`, { exitCode: 2 });
    return dir;
  }
  const fallback = path.resolve(io.cwd, DEFAULT_AUTOJ_DATA);
  if (isDirectory(fallback)) return fallback;
  throw new BenchError(
    `no Auto-J data folder: pass --data DIR (or set AUTOJ_DATA); ${DEFAULT_AUTOJ_DATA} does not exist here`,
    { exitCode: 2 },
  );
}

function isDirectory(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}

function integerOption(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new BenchError(
      `--${name} must be ${min === 0 ? 'a whole number >= 0' : 'a whole number'}, got ${value}`,
      {
        exitCode: 2,
      },
    );
  }
  return value;
}
