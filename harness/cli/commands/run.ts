import { join, resolve } from 'node:path';
import type { Argv, Options } from 'yargs';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { BenchError, errorMessage, FAILED_JUDGMENTS_EXIT } from '../../core/errors.js';
import { openSourceFiles, type SourceFiles } from '../../source/files.js';
import { archiveRun } from '../../store/run-archive.js';
import type { AnySuite, SuiteContext } from '../../suite/contract.js';
import { executeSuite, readSuiteOptions } from '../../suite/execute.js';
import type { OptionDeclaration } from '../../suite/options.js';
import type { SuiteRegistry } from '../../suite/registry.js';
import { formatShare, toJson } from '../format.js';
import { warningsTo, type CliIO } from '../io.js';
import {
  judgeOptions,
  judgmentOutcome,
  openJudge,
  openOtherJudge,
  runOptionsFor,
  type JudgeArgs,
  type OpenedJudge,
} from '../judge-options.js';
import type { CommandRegistrar } from '../program.js';
import { httpCacheDir, resolveLeaderboardsDir, runsDir } from '../settings.js';
import { openSource, sourceOptions } from '../source-options.js';
import { renderReport } from './report.js';

/**
 * `bench run <suite>`, one subcommand per suite of the registry, made from its declaration:
 * the judge's flags (when it judges), --source/--offline (when it reads AlpacaEval), its
 * own options, and --out, --report, --json for every suite.
 */
export function runCommand(suites: SuiteRegistry): CommandRegistrar {
  return (cli, io) =>
    cli.command(`run`, `judge a suite and measure the judge (${suites.names.join(', ')})`, (sub) => {
      let y = sub;
      for (const suite of suites.suites) {
        y = y.command(
          suite.name,
          suite.description,
          (s) => suiteFlags(suite, s),
          async (args) => {
            await runSuite(suite, args as unknown as SuiteArgs, io, suites);
          },
        );
      }
      return y.demandCommand(1, `name a suite: ${suites.names.map((n) => `bench run ${n}`).join(' | ')}`);
    });
}

function suiteFlags<T>(suite: AnySuite, y: Argv<T>): Argv<T> {
  let b: Argv<T> = y;
  if (suite.judge !== 'none') b = judgeOptions(b) as unknown as Argv<T>;
  if (suite.judge !== 'none' && suite.defaultJudge !== undefined) b = b.default('judge', suite.defaultJudge);
  if (suite.source) b = sourceOptions(b) as unknown as Argv<T>;
  if (suite.usage) b = b.usage(suite.usage);
  for (const option of suite.options) b = b.option(option.name, yargsOption(option));
  const files = ['result.json', ...(suite.csv?.files ?? [])];
  b = b
    .option('out', {
      type: 'string',
      describe: `also write ${files.slice(0, -1).join(', ')}${files.length > 1 ? ' and ' : ''}${files.at(-1)} here`,
    })
    .option('report', { type: 'string', describe: 'render the report site into DIR after the run' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document' });
  for (const e of suite.examples ?? []) b = b.example(e.command, e.description);
  return b;
}

/** The flag of a declared option; values are checked by `readOptions`, not by yargs. */
export function yargsOption(option: OptionDeclaration): Options {
  const base: Options = { describe: option.describe };
  if (option.default !== undefined && option.type !== 'share') base.default = option.default;
  switch (option.type) {
    case 'number':
      return { ...base, type: 'number' };
    case 'share':
      return {
        ...base,
        type: 'string',
        ...(option.default !== undefined ? { default: formatShare(option.default) } : {}),
      };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'string':
      return {
        ...base,
        type: 'string',
        ...(option.array ? { array: true } : {}),
        ...(option.choices ? { choices: [...option.choices] } : {}),
      };
  }
}

export type SuiteArgs = JudgeArgs & {
  readonly [flag: string]: unknown;
  readonly source?: string;
  readonly offline?: boolean;
  readonly out?: string;
  readonly report?: string;
  readonly json: boolean;
};

/**
 * One `bench run <suite>`: its options checked before anything else happens, the judge
 * opened only if the suite asks for it, the result archived under .bench/runs, then
 * --report, --out, and the table or the JSON document on stdout. A result that counts for
 * nothing (the suite's `outcome.empty`: no model ranked, no verdict) is printed but neither
 * archived nor rendered, and fails the run; failed judgments beyond --max-failures exit 3
 * and are not rendered (both throw a BenchError: its message is the last line).
 */
export async function runSuite(
  suite: AnySuite,
  args: SuiteArgs,
  io: CliIO,
  suites: SuiteRegistry,
): Promise<void> {
  const { raw, optionLabel } = rawOptions(suite, args, io);
  const values = readSuiteOptions(suite, raw, optionLabel);
  let files: SourceFiles | undefined;
  if (suite.source) {
    files = openSource(args, io);
    io.stderr(`source: ${files.location}\n`);
  }
  // Opening the judge costs nothing and starts nothing: it connects (reaching the server,
  // starting vLLM with --serve, opening the store) only when the suite's run asks for it.
  const protocol = suite.judgeProtocol?.(values) ?? 'single';
  const session = suite.judge === 'none' ? undefined : openJudge(args, io, protocol);
  // second judges the suite opens (a comparator), closed after the run like the first
  const others: OpenedJudge[] = [];
  const context: SuiteContext = {
    ...commandContext(io, files, optionLabel),
    stored: { runs: runsDir(io), leaderboards: resolveLeaderboardsDir(undefined, io) },
    judge: async (asked) => {
      if (!session) throw new BenchError(`suite ${suite.name} declares no judge`);
      if (asked !== protocol)
        throw new BenchError(`suite ${suite.name} asked for the ${asked} protocol, not ${protocol}`);
      const connected = await session.connect();
      return { judge: connected.judge, run: runOptionsFor(connected, io), texts: connected.texts };
    },
    otherJudge: async (request) => {
      if (!session) throw new BenchError(`suite ${suite.name} declares no judge`);
      const other = openOtherJudge(args, io, request);
      others.push(other);
      const connected = await other.connect();
      return { judge: connected.judge, run: runOptionsFor(connected, io), texts: connected.texts };
    },
  };
  const finish = async () => {
    const { result, judgments } = await executeSuite(suite, values, context);
    const outcome = judgments
      ? judgmentOutcome(judgments, args['max-failures'])
      : { allowed: true, summary: undefined };
    const empty = suite.outcome?.empty(result, judgments, outcome.summary) ?? null;
    // A result that counts for nothing is not kept as a run (the site would show it); one
    // with failed judgments is kept to be inspected, but not rendered.
    if (empty === null) io.stderr(`result kept in ${await archiveRun(runsDir(io), result)}\n`);
    const render = args.report !== undefined && empty === null && outcome.allowed;
    if (render && args.report) {
      await renderReport(io, suites, {
        out: args.report,
        ...(files ? { files } : {}),
        ...(args.store ? { store: args.store } : {}),
      });
    }
    if (args.out) {
      const out = resolve(io.cwd, args.out);
      await writeFileAtomic(join(out, 'result.json'), toJson(result));
      const tables = suite.csv?.render(result) ?? {};
      for (const name of suite.csv?.files ?? []) {
        const text = tables[name];
        if (text === undefined) throw new BenchError(`suite ${suite.name} rendered no ${name}`);
        await writeFileAtomic(join(out, name), text);
      }
      io.stderr(`wrote ${out}/${['result.json', ...(suite.csv?.files ?? [])].join(', ')}\n`);
    }
    io.stdout(args.json ? toJson(result) : suite.table(result));
    const notRendered = args.report !== undefined && !render ? '; --report not rendered' : '';
    if (empty !== null) throw new BenchError(`${empty}; the run is not archived${notRendered}`);
    if (!outcome.allowed) {
      throw new BenchError(
        `${outcome.summary}: the ${suite.outcome?.figures ?? 'figures'} leave them out; the same command judges them again, --max-failures N allows N` +
          notRendered,
        { exitCode: FAILED_JUDGMENTS_EXIT },
      );
    }
    if (outcome.summary)
      io.stderr(`bench: ${suite.outcome ? suite.outcome.note(result, outcome.summary) : outcome.summary}\n`);
  };
  // The judge closes (judgments kept, a --serve vLLM stopped) however the run ends.
  const finishAndClose = async () => {
    let failed = false;
    try {
      await finish();
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      // a failure to close is thrown only when the run itself succeeded
      for (const other of others.reverse()) {
        await other.close().catch((e: unknown) => {
          if (!failed) throw e;
          context.warn(`closing judge ${other.name}: ${errorMessage(e)}`);
        });
      }
    }
  };
  await (session ? session.use(finishAndClose) : finishAndClose());
}

/** What a command gives every suite it runs besides the judge: the terminal, the clock, the source. */
export function commandContext(
  io: CliIO,
  files: SourceFiles | undefined,
  optionLabel: (name: string) => string,
): Pick<SuiteContext, 'cwd' | 'signal' | 'now' | 'warn' | 'log' | 'source' | 'remoteFiles' | 'optionLabel'> {
  return {
    cwd: io.cwd,
    signal: io.signal,
    now: () => new Date(),
    warn: warningsTo(io),
    log: (message) => io.stderr(`${message}\n`),
    ...(files ? { source: files } : {}),
    remoteFiles: (baseUrl, options) =>
      openSourceFiles(baseUrl, {
        cacheDir: httpCacheDir(io),
        offline: options.offline,
        ...(options.localCopy === undefined ? {} : { localCopy: options.localCopy }),
      }),
    optionLabel,
  };
}

/**
 * The suite's option values from the parsed flags; an option the flags lack takes its
 * environment variable when it declares one (and is then named by it in messages).
 */
export function rawOptions(
  suite: AnySuite,
  args: SuiteArgs,
  io: CliIO,
): { raw: Record<string, unknown>; optionLabel: (name: string) => string } {
  const raw: Record<string, unknown> = {};
  const fromEnv = new Map<string, string>();
  for (const option of suite.options) {
    let value = args[option.name];
    const env = option.type === 'string' && option.env !== undefined ? io.env[option.env] : undefined;
    if (value === undefined && env !== undefined && env !== '' && option.type === 'string' && option.env) {
      value = env;
      fromEnv.set(option.name, option.env);
    }
    if (value !== undefined) raw[option.name] = value;
  }
  return {
    raw,
    optionLabel: (name) => (fromEnv.has(name) ? `$${fromEnv.get(name)}` : `--${name}`),
  };
}
