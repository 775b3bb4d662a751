import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { BenchError, InputError, errorMessage } from '../../core/errors.js';
import type { ParsedCompletion } from '../../judge/judge.js';
import { judgeOfRecord } from '../../runner/batch-judge.js';
import { JudgmentStore } from '../../store/judgment-store.js';
import type { StoredOutcome } from '../../store/record.js';
import { storedJudgment } from '../../store/record.js';
import { listRuns, readRun, type RunEnvelope } from '../../store/run-archive.js';
import type { AnySuite } from '../../suite/contract.js';
import type { SuiteRegistry } from '../../suite/registry.js';
import { formatTable, terminalText, toJson } from '../format.js';
import { warningsTo, type CliIO } from '../io.js';
import type { CommandRegistrar } from '../program.js';
import { resolveStorePath, runsDir } from '../settings.js';
import { openSource, sourceOptions } from '../source-options.js';

/**
 * `bench runs list`: the archived runs (every `bench run` and `bench refresh` keeps its
 * result under .bench/runs); `bench runs diff A B`: two of them compared, as their suite
 * compares runs (AlpacaEval: per model and per item, suites/alpacaeval/diff.ts).
 */
export function runsCommand(suites: SuiteRegistry): CommandRegistrar {
  return (cli, io) =>
    cli.command('runs', 'list the archived runs, or compare two of them', (sub) =>
      sub
        .command(
          'list',
          'the archived runs, oldest first: suite, judge, settings, size, date, complete or partial',
          (y) =>
            y
              .option('suite', { type: 'string', describe: 'only runs of this suite' })
              .option('judge', { type: 'string', describe: 'only runs of this judge' })
              .option('runs', { type: 'string', describe: 'the run archive [default: .bench/runs]' })
              .option('json', {
                type: 'boolean',
                default: false,
                describe: 'print the list as one JSON document',
              }),
          async (args) => {
            await listCommand(args, io, suites);
          },
        )
        .command(
          'diff <a> <b>',
          'compare two runs (run ids from bench runs list, or result files): per model and per item',
          (y) =>
            sourceOptions(y)
              .positional('a', { type: 'string', demandOption: true, describe: 'run id or result file' })
              .positional('b', { type: 'string', demandOption: true, describe: 'run id or result file' })
              .option('store', {
                type: 'string',
                describe:
                  'judgment store the runs judged into [env BENCH_STORE; default .bench/judgments.sqlite]',
              })
              .option('runs', { type: 'string', describe: 'the run archive [default: .bench/runs]' })
              .option('json', {
                type: 'boolean',
                default: false,
                describe: 'print the comparison as one JSON document',
              })
              .example(
                '$0 runs diff 2026-12-01T02-15-00-000Z_alpacaeval_length 2026-12-01T03-40-00-000Z_alpacaeval_autoj',
                'the length baseline against Auto-J',
              ),
          async (args) => {
            await diffCommand(args as unknown as DiffArgs, io, suites);
          },
        )
        .demandCommand(1, 'name a runs command: bench runs list | bench runs diff A B'),
    );
}

/** One archived run as `bench runs list --json` gives it. */
export interface ListedRun {
  /** the archive file name without `.json`: what `bench runs diff` takes */
  readonly id: string;
  readonly file: string;
  readonly suite: string;
  readonly judge: string;
  readonly date: string;
  /** the suite's words for its settings; '' when the suite has none */
  readonly settings: string;
  /** judgments asked for; null when the suite does not say */
  readonly size: number | null;
  /** every model and item of the suite (true), a subset (false), or unknown (null) */
  readonly complete: boolean | null;
}

function archiveOf(args: { runs?: string | undefined }, io: CliIO): string {
  return args.runs ? resolve(io.cwd, args.runs) : runsDir(io);
}

async function listCommand(
  args: { suite?: string; judge?: string; runs?: string; json: boolean },
  io: CliIO,
  suites: SuiteRegistry,
): Promise<void> {
  const warn = warningsTo(io);
  const listed: ListedRun[] = [];
  for (const run of await listRuns(archiveOf(args, io))) {
    if (args.suite !== undefined && run.suite !== args.suite) continue;
    let doc: RunEnvelope & { manifest?: { finishedAt?: string } };
    try {
      doc = await readRun<typeof doc>(run.file);
    } catch (e) {
      warn(`${errorMessage(e)} (not listed)`);
      continue;
    }
    if (args.judge !== undefined && doc.judge?.name !== args.judge) continue;
    const described = describe(suites.find(run.suite), doc);
    listed.push({
      id: basename(run.file, '.json'),
      file: run.file,
      suite: run.suite,
      judge: doc.judge?.name ?? run.judge,
      date: doc.manifest?.finishedAt ?? run.finishedAt,
      ...described,
    });
  }
  if (args.json) {
    io.stdout(toJson({ command: 'runs list', runs: listed }));
    return;
  }
  if (listed.length === 0) {
    io.stdout(`no archived runs in ${archiveOf(args, io)}\n`);
    return;
  }
  io.stdout(
    formatTable(
      ['id', 'suite', 'judge', 'date', 'judgments', 'run', 'settings'],
      listed.map((r) => [
        terminalText(r.id),
        r.suite,
        terminalText(r.judge),
        terminalText(r.date),
        r.size === null ? '–' : String(r.size),
        r.complete === null ? '–' : r.complete ? 'complete' : 'partial',
        terminalText(r.settings),
      ]),
    ),
  );
}

/** The suite's description of a document of its version; blanks for others. */
function describe(
  suite: AnySuite | undefined,
  doc: RunEnvelope,
): Pick<ListedRun, 'settings' | 'size' | 'complete'> {
  const blank = { settings: '', size: null, complete: null };
  if (!suite?.runs || (suite.schemaVersion !== undefined && doc.schemaVersion !== suite.schemaVersion))
    return blank;
  try {
    return suite.runs.describe(doc);
  } catch {
    return blank; // a document that lacks what its suite's description reads
  }
}

interface DiffArgs {
  readonly a: string;
  readonly b: string;
  readonly source?: string;
  readonly offline?: boolean;
  readonly store?: string;
  readonly runs?: string;
  readonly json: boolean;
}

async function diffCommand(args: DiffArgs, io: CliIO, suites: SuiteRegistry): Promise<void> {
  const archive = archiveOf(args, io);
  const [a, b] = [runFile(args.a, archive, io), runFile(args.b, archive, io)];
  const [docA, docB] = [await readRun<RunEnvelope>(a), await readRun<RunEnvelope>(b)];
  if (docA.suite !== docB.suite)
    throw new BenchError(
      `${basename(a)} is a ${docA.suite} run and ${basename(b)} a ${docB.suite} run: compare runs of one suite`,
      { exitCode: 2 },
    );
  const suite = suites.get(docA.suite);
  const differ = suite.runs;
  if (!differ?.diff || !differ.diffTable)
    throw new BenchError(`bench runs diff does not compare ${suite.name} runs`, { exitCode: 2 });
  for (const [file, doc] of [
    [a, docA],
    [b, docB],
  ] as const) {
    if (suite.schemaVersion !== undefined && doc.schemaVersion !== suite.schemaVersion)
      throw new InputError(
        file,
        `a ${suite.name} result of schema version ${String(doc.schemaVersion)}, not ${suite.schemaVersion}`,
      );
  }
  const storePath = resolveStorePath(args.store, io);
  const store = existsSync(storePath) ? JudgmentStore.open(storePath, { readonly: true }) : undefined;
  try {
    const diff = await differ.diff(docA, docB, {
      ...(suite.source
        ? { source: openSource({ ...args, source: diffSource(args, io, docA, docB) }, io) }
        : {}),
      judge: judgeOfRecord,
      judgments: (keys) => (store ? parsedAll(store.getOutcomes(keys)) : null),
      judgmentsByTask: (identity, digests) => {
        if (!store) return null;
        // a window's worth per query, as a run looks them up: one query over all of a
        // leaderboard's digests is slower than these together
        const found = new Map<string, ParsedCompletion>();
        for (let i = 0; i < digests.length; i += TASK_LOOKUP_CHUNK)
          for (const [digest, outcome] of store.getOutcomesByTask(
            identity,
            digests.slice(i, i + TASK_LOOKUP_CHUNK),
          ))
            found.set(digest, storedJudgment(outcome));
        return found;
      },
      warn: warningsTo(io),
    });
    io.stdout(
      args.json
        ? toJson({ command: 'runs diff', suite: suite.name, files: { a, b }, ...diff })
        : differ.diffTable(diff),
    );
  } finally {
    store?.close();
  }
}

/** A run id of the archive, or a result file. */
function runFile(id: string, archive: string, io: CliIO): string {
  const archived = resolve(archive, `${basename(id)}.json`);
  if (basename(id) === id && existsSync(archived)) return archived;
  const file = resolve(io.cwd, id);
  if (existsSync(file)) return file;
  throw new InputError(id, `neither a run of ${archive} (bench runs list lists them) nor a result file`);
}

/**
 * The outputs the two runs judged: `--source`, else `$ALPACA_EVAL_SOURCE`, else the source
 * both runs' manifests name (where they were made), else the default.
 */
function diffSource(args: DiffArgs, io: CliIO, ...docs: readonly RunEnvelope[]): string | undefined {
  if (args.source !== undefined || io.env.ALPACA_EVAL_SOURCE) return args.source;
  const recorded = docs.map((d) => (d.manifest as { source?: unknown } | undefined)?.source);
  return typeof recorded[0] === 'string' && recorded.every((r) => r === recorded[0])
    ? recorded[0]
    : undefined;
}

const TASK_LOOKUP_CHUNK = 8192;

/** Stored outcomes as the judgments a suite reads, under the same keys (judgment keys or task digests). */
function parsedAll(outcomes: ReadonlyMap<string, StoredOutcome>): Map<string, ParsedCompletion> {
  const found = new Map<string, ParsedCompletion>();
  for (const [key, outcome] of outcomes) found.set(key, storedJudgment(outcome));
  return found;
}
