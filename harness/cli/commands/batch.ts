import { dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { BenchError } from '../../core/errors.js';
import type { SourceFiles } from '../../source/files.js';
import { JudgmentStore } from '../../store/judgment-store.js';
import {
  BatchExportWriter,
  importBatch,
  MANIFEST_FILE,
  readBatchManifest,
  type ExportSummary,
  type ImportSummary,
} from '../../runner/batch-files.js';
import { batchJudge, manifestJudge } from '../../runner/batch-judge.js';
import { exportingRun } from '../../runner/batch-run.js';
import { storeJudgmentCache } from '../../runner/store-cache.js';
import type { AnySuite, SuiteContext } from '../../suite/contract.js';
import { executeSuite, readSuiteOptions } from '../../suite/execute.js';
import type { SuiteRegistry } from '../../suite/registry.js';
import { toJson } from '../format.js';
import type { CliIO } from '../io.js';
import { judgeSettings, type JudgeArgs } from '../judge-options.js';
import { numberChecks } from '../number-options.js';
import type { CommandRegistrar } from '../program.js';
import { resolveStorePath } from '../settings.js';
import { openSource, sourceOptions } from '../source-options.js';
import { commandContext, rawOptions, yargsOption } from './run.js';

/**
 * `bench batch export <suite>`: the requests `bench run <suite>` with the same options
 * would send (none the store holds) as OpenAI batch-format JSONL shards and a manifest;
 * `bench batch import FILE...`: the engine's output files into the store (docs/batch.md).
 */
export function batchCommand(suites: SuiteRegistry): CommandRegistrar {
  const judging = suites.suites.filter((s) => s.judge !== 'none');
  return (cli, io) =>
    cli.command(
      'batch',
      'requests as OpenAI batch JSONL for vllm run-batch or the OpenAI Batch API, and their outputs back into the store',
      (sub) =>
        sub
          .command(
            'export',
            `write the requests a run still needs as batch files (${judging.map((s) => s.name).join(', ')})`,
            (ex) => {
              let y = ex;
              for (const suite of judging) {
                y = y.command(
                  suite.name,
                  `the requests of bench run ${suite.name} that the store lacks`,
                  (s) => exportFlags(suite, s),
                  async (args) => {
                    await exportSuite(suite, args as unknown as ExportArgs, io);
                  },
                );
              }
              return y.demandCommand(
                1,
                `name a suite: ${judging.map((s) => `bench batch export ${s.name}`).join(' | ')}`,
              );
            },
          )
          .command(
            'import <files..>',
            'store the answers of batch output files (vllm run-batch, the OpenAI Batch API output and error files)',
            (s) =>
              s
                .positional('files', { type: 'string', array: true, describe: 'batch output files (JSONL)' })
                .option('manifest', {
                  type: 'string',
                  describe: `the export's manifest [default: ${MANIFEST_FILE} beside the first file]`,
                })
                .option('store', {
                  type: 'string',
                  describe: 'judgment store [env BENCH_STORE; default .bench/judgments.sqlite]',
                })
                .option('json', {
                  type: 'boolean',
                  default: false,
                  describe: 'print the counts as one JSON document',
                })
                .example('$0 batch import batch/results-*.jsonl', 'store the answers of every shard'),
            async (args) => {
              await importFiles(args as unknown as ImportArgs, io);
            },
          )
          .demandCommand(1, 'name a batch command: bench batch export <suite> | bench batch import FILE...'),
    );
}

function exportFlags<T>(suite: AnySuite, y: Argv<T>): Argv<T> {
  let b = y
    .option('judge', {
      type: 'string',
      default: suite.defaultJudge ?? 'autoj',
      describe: 'the judge: a built-in profile name or the path of a profile file (docs/judges.md)',
    })
    .option('judge-model', { type: 'string', describe: 'the judge model, for a profile that leaves it open' })
    .option('served-model-name', {
      type: 'string',
      describe: "the model name the engine serves (each body's model) [default: the profile's model]",
    })
    .option('language', {
      type: 'string',
      describe: "template language, one of the profile's [default: its first]",
    })
    .option('context-length', {
      type: 'number',
      describe:
        "the engine's context length (vLLM --max-model-len): prompts are cut to fit it [default: the profile's]",
    })
    .option('store', {
      type: 'string',
      describe:
        'judgment store: what it holds is not exported [env BENCH_STORE; default .bench/judgments.sqlite]',
    }) as unknown as Argv<T>;
  if (suite.source) b = sourceOptions(b) as unknown as Argv<T>;
  for (const option of suite.options) b = b.option(option.name, yargsOption(option));
  return b
    .option('out', {
      type: 'string',
      demandOption: true,
      describe: 'a new or empty folder for the shards and the manifest',
    })
    .option('shards', { type: 'number', default: 1, describe: 'shard files, one per engine node' })
    .option('chat', {
      type: 'boolean',
      default: false,
      describe:
        "a raw-prompt judge's requests as chat requests with its chat template (vllm run-batch takes only /v1/chat/completions)",
    })
    .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON document' })
    .check(numberChecks({ shards: { integer: true, min: 1 }, 'context-length': { integer: true, min: 1 } }))
    .example(
      `$0 batch export ${suite.name} --chat --shards 4 --out batch/`,
      'four shards for vllm run-batch on four nodes',
    );
}

type ExportArgs = Pick<JudgeArgs, 'judge' | 'judge-model' | 'served-model-name' | 'language' | 'store'> & {
  readonly [flag: string]: unknown;
  readonly source?: string;
  readonly offline?: boolean;
  readonly 'context-length'?: number;
  readonly out: string;
  readonly shards: number;
  readonly chat: boolean;
  readonly json: boolean;
};

/** What `bench batch export` prints with --json. */
export interface ExportReport extends ExportSummary {
  readonly suite: string;
  /** judgments the run asks for, and of those the distinct requests the store held */
  readonly requested: number;
  readonly stored: number;
}

/**
 * The suite's run, with the judge built without a server and a run that sends nothing
 * (runner/batch-run.ts): what it would have sent goes into the export.
 */
async function exportSuite(suite: AnySuite, args: ExportArgs, io: CliIO): Promise<void> {
  const { raw, optionLabel } = rawOptions(suite, args, io);
  // resamples do not change what is judged: the thrown-away result need not compute them
  if (suite.options.some((o) => o.name === 'bootstrap')) raw.bootstrap = 0;
  const values = readSuiteOptions(suite, raw, optionLabel);
  const protocol = suite.judgeProtocol?.(values) ?? 'single';
  const judge = batchJudge(judgeSettings(args, io, protocol), args['context-length']);
  let files: SourceFiles | undefined;
  if (suite.source) {
    files = openSource(args, io);
    io.stderr(`source: ${files.location}\n`);
  }
  const writer = await BatchExportWriter.open(judge, {
    dir: resolve(io.cwd, args.out),
    shards: args.shards,
    chat: args.chat,
  });
  const store = JudgmentStore.open(resolveStorePath(args.store, io));
  const cache = storeJudgmentCache(store, judge.info);
  const exporting = exportingRun(writer, cache);
  const { run } = exporting;
  let summary: ExportSummary;
  let requested = 0;
  try {
    const context: SuiteContext = {
      ...commandContext(io, files, optionLabel),
      judge: async () => ({ judge, run: { signal: io.signal, ...run }, texts: () => new Map() }),
    };
    const { judgments } = await executeSuite(suite, values, context);
    requested = judgments?.requested ?? 0;
    await exporting.settled();
    summary = await writer.finish();
  } catch (e) {
    await writer.abort();
    throw e;
  } finally {
    cache.close();
    store.close();
  }
  const report: ExportReport = { suite: suite.name, requested, stored: exporting.stored(), ...summary };
  if (args.json) {
    io.stdout(toJson(report));
    return;
  }
  const lines = [
    `${report.requests} requests to ${report.url} in ${report.shards.length} shard(s) (${report.requested} judgments asked for, ${report.stored} stored already)`,
    ...report.shards.map((s) => `  ${join(report.dir, s.file)}  ${s.requests} requests`),
    `  manifest: ${report.manifest}`,
    ...(report.chatTemplate ? [`  chat template (--chat-template): ${report.chatTemplate}`] : []),
  ];
  io.stdout(`${lines.join('\n')}\n`);
}

interface ImportArgs {
  readonly files: readonly string[];
  readonly manifest?: string;
  readonly store?: string;
  readonly json: boolean;
}

/** What `bench batch import` prints with --json. */
export interface ImportReport extends ImportSummary {
  readonly manifest: string;
  readonly files: readonly string[];
}

async function importFiles(args: ImportArgs, io: CliIO): Promise<void> {
  const files = args.files.map((f) => resolve(io.cwd, f));
  if (files.length === 0) throw new BenchError('name the batch output files to import', { exitCode: 2 });
  const manifestFile = resolve(io.cwd, args.manifest ?? join(dirname(files[0]!), MANIFEST_FILE));
  const batch = await readBatchManifest(manifestFile);
  const judge = manifestJudge(batch, io.cwd);
  const store = JudgmentStore.open(resolveStorePath(args.store, io));
  let summary: ImportSummary;
  try {
    summary = await importBatch(files, batch, store, judge);
  } finally {
    store.close();
  }
  const report: ImportReport = { manifest: manifestFile, files, ...summary };
  if (args.json) {
    io.stdout(toJson(report));
    return;
  }
  const skipped = [
    summary.alreadyStored > 0 ? `${summary.alreadyStored} stored already` : '',
    summary.errors > 0 ? `${summary.errors} errors` : '',
    summary.unknown > 0 ? `${summary.unknown} unknown custom_id` : '',
    summary.changed > 0 ? `${summary.changed} changed body` : '',
    summary.malformed > 0 ? `${summary.malformed} malformed` : '',
  ].filter(Boolean);
  const lines = [
    `${summary.stored} judgments stored (${summary.unparsed} unparsed) from ${summary.lines} lines of ${files.length} file(s)` +
      (skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : ''),
    `${summary.remaining} requests of ${manifestFile} still missing from the store`,
    ...summary.problems.map((p) => `  ${p}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
}
