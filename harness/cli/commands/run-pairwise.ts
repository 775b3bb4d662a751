import path from 'node:path';
import { BenchError, FAILED_JUDGMENTS_EXIT } from '../../core/errors.js';
import { HARNESS_VERSION, harnessGitCommit } from '../../core/provenance.js';
import type { PairwiseManifest, PairwiseResult } from '../../../suites/pairwise/result.js';
import { scorePairwiseSuite } from '../../../suites/pairwise/score.js';
import {
  loadPairwiseData,
  loadRecordedJudgments,
  PAIRWISE_DEFAULTS,
} from '../../../suites/pairwise/suite.js';
import { formatPairwiseTable } from '../../../suites/pairwise/table.js';
import { numberChecks, RESAMPLES, SEED } from '../number-options.js';
import type { CommandRegistrar } from '../program.js';
import { resolveAutojDataDir, runsDir } from '../settings.js';
import { judgeOptions, judgmentOutcome, openJudge, runOptionsFor } from '../judge-options.js';
import { judgePairs } from '../../../suites/pairwise/live.js';
import { archiveRun } from '../../store/run-archive.js';

/**
 * `bench run pairwise`: agreement with human labels and swap consistency on Auto-J's
 * 1,392 pairs. Recorded mode scores verdict files (--predictions, --swapped); live mode
 * judges every pair with --judge (both orders with the pairwise protocol, or each response
 * on its own with --protocol single).
 */
export const runPairwise: CommandRegistrar = (cli, io) =>
  cli.command(
    'pairwise',
    "agreement with human labels and swap consistency on Auto-J's 1,392 labelled pairs",
    (y) =>
      judgeOptions(y)
        .usage(
          '$0 run pairwise [--judge autoj --endpoint URL] [--protocol pairwise|single] [--json]\n' +
            '$0 run pairwise --predictions FILE --swapped FILE [--json]\n\n' +
            'Scores verdicts on the pairs in the given order and in the swapped order against the human labels:\n' +
            "from a live judge, or from verdict files in the authors' format.",
        )
        .option('protocol', {
          type: 'string',
          choices: ['pairwise', 'single'],
          default: 'pairwise',
          describe:
            'live mode: compare the two responses (pairwise), or rate each on its own and compare the ratings (single)',
        })
        .option('tie-margin', {
          type: 'number',
          default: PAIRWISE_DEFAULTS.tieMargin,
          describe: 'single protocol: ratings this close or closer count as a tie',
        })
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
          describe: 'Auto-J data folder [env AUTOJ_DATA; default ../shared/data/auto-j]',
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
        )
        .check(numberChecks({ seed: SEED, bootstrap: RESAMPLES, 'tie-margin': { min: 0, max: 9 } })),
    async (argv) => {
      const { predictions, swapped } = argv;
      if ((predictions === undefined) !== (swapped === undefined)) {
        throw new BenchError(
          `--${predictions === undefined ? 'predictions' : 'swapped'} FILE is missing: recorded mode needs both verdict files`,
          { exitCode: 2 },
        );
      }
      const { seed, bootstrap: resamples, 'tie-margin': tieMargin } = argv;
      const dataDir = resolveAutojDataDir(argv.data, io);

      const startedAt = new Date();
      const data = await loadPairwiseData(dataDir);
      io.stderr(`pairwise: ${data.pairs.length} pairs from ${dataDir}\n`);
      let result: Omit<PairwiseResult, 'manifest'>;
      /** live mode: how the judgments ended (recorded verdicts are all there or refused) */
      let judged: { parsed: number; outcome: ReturnType<typeof judgmentOutcome> } | undefined;
      if (predictions !== undefined && swapped !== undefined) {
        const recorded = await loadRecordedJudgments(
          data,
          path.resolve(io.cwd, predictions),
          path.resolve(io.cwd, swapped),
        );
        result = scorePairwiseSuite(data, recorded.judgments, {
          judge: {
            name: 'recorded',
            mode: 'recorded',
            description: `verdicts from ${path.basename(predictions)} (swapped: ${path.basename(swapped)})`,
          },
          bootstrap: { resamples, seed },
          inputs: recorded.inputs,
        });
      } else {
        const protocol = argv.protocol === 'single' ? 'single' : 'pairwise';
        const opened = openJudge(argv, io, protocol);
        try {
          const connected = await opened.connect();
          const live = await judgePairs(data, {
            judge: connected.judge,
            protocol,
            tieMargin,
            run: runOptionsFor(connected, io),
          });
          const s = live.summary;
          io.stderr(
            `pairwise: ${s.requested} judgments (${s.cached} from the store, ${s.sent} sent), ${s.unparsed} unparsed, ${s.errors} failed\n`,
          );
          judged = {
            parsed: s.requested - s.errors - s.unparsed,
            outcome: judgmentOutcome(s, argv['max-failures']),
          };
          result = scorePairwiseSuite(data, live.judgments, {
            judge: {
              name: connected.judge.info.name,
              mode: 'live',
              description: connected.judge.info.description,
            },
            bootstrap: { resamples, seed },
            inputs: data.inputs,
          });
        } finally {
          await opened.close();
        }
      }
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
      // A live run without a single verdict is not kept as a run (the site would show it).
      if (!judged || judged.parsed > 0)
        io.stderr(`result kept in ${await archiveRun(runsDir(io), { ...document, manifest })}\n`);
      io.stdout(argv.json ? `${JSON.stringify(document, null, 2)}\n` : formatPairwiseTable(document));
      if (!judged) return;
      const { outcome } = judged;
      if (judged.parsed === 0)
        throw new BenchError(`no verdict: ${outcome.summary ?? 'nothing judged'}; the run is not archived`);
      if (!outcome.allowed) {
        throw new BenchError(
          `${outcome.summary}: the figures leave them out; the same command judges them again, --max-failures N allows N`,
          { exitCode: FAILED_JUDGMENTS_EXIT },
        );
      }
      if (outcome.summary) io.stderr(`bench: ${outcome.summary}\n`);
    },
  );
