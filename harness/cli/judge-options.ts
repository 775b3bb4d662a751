import { join } from 'node:path';
import type { Argv } from 'yargs';
import { BenchError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { releaseHeapGrowth } from './heap.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../client/endpoint-pool.js';
import {
  builtInJudgeNames,
  isProfilePath,
  loadJudgeProfile,
  type JudgeProfile,
} from '../judge/generative/index.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY_PER_ENDPOINT,
  LENGTH_JUDGE,
  openJudgeSession,
  type ConnectedJudge,
  type JudgeSession,
  type JudgeSessionSettings,
} from '../runner/judge-session.js';
import { stderrProgress } from '../runner/progress.js';
import type { OtherJudgeRequest } from '../suite/contract.js';
import type { RunOptions } from '../runner/run-judgments.js';
import { warningsTo, type CliIO } from './io.js';
import { numberChecks, PORT, SECONDS } from './number-options.js';
import { resolveApiKey, resolveEndpoints, resolveStorePath, workDir } from './settings.js';

export { DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY_PER_ENDPOINT, LENGTH_JUDGE };

/** What --judge takes by name: the built-in profiles and the length baseline. */
export function judgeNames(): string[] {
  return [...builtInJudgeNames(), LENGTH_JUDGE];
}

/** Options every judging command shares: which judge, where it is served, where judgments are kept. */
export function judgeOptions<T>(y: Argv<T>) {
  return y
    .option('judge', {
      type: 'string',
      default: 'autoj',
      describe: `the judge: ${judgeNames().join(', ')}, or the path of a profile file (./my-judge.yaml, docs/judges.md)`,
    })
    .option('judge-model', {
      type: 'string',
      describe:
        'the judge model, for a profile that leaves it open (mtbench) [default: the one model the endpoint lists]',
    })
    .option('endpoint', {
      type: 'string',
      array: true,
      describe:
        'OpenAI-compatible base URL(s) of the judge server(s) [env BENCH_ENDPOINT; default http://127.0.0.1:8000/v1]',
    })
    .option('api-key', { type: 'string', describe: 'API key of the judge server(s) [env BENCH_API_KEY]' })
    .option('served-model-name', {
      type: 'string',
      describe: "the judge's model name on the server [default: the profile's model, or --judge-model]",
    })
    .option('language', {
      type: 'string',
      describe: "template language, one of the profile's (zh: autoj-bilingual) [default: its first]",
    })
    .option('store', {
      type: 'string',
      describe: 'judgment store [env BENCH_STORE; default .bench/judgments.sqlite]',
    })
    .option('concurrency', {
      type: 'number',
      describe: `prompts in flight per endpoint [default ${DEFAULT_CONCURRENCY_PER_ENDPOINT}]`,
    })
    .option('batch-size', {
      type: 'number',
      describe: `prompts per request to the judge server; less client CPU, but raise --concurrency with it [default ${DEFAULT_BATCH_SIZE}]`,
    })
    .option('max-failures', {
      type: 'number',
      describe:
        'failed judgments (errors, not unparsed answers) allowed: the run stops once more failed, and exits 0 with N or fewer [default: the run goes on, then exits 3 if any failed]',
    })
    .option('request-timeout', {
      type: 'number',
      default: DEFAULT_REQUEST_TIMEOUT_MS / 1000,
      describe: 'seconds per request attempt (a 1,024-token answer under load takes ~150 s)',
    })
    .option('give-up', {
      type: 'number',
      default: 60,
      describe: 'seconds to wait for a judge server that stopped answering before the run fails',
    })
    .option('serve', {
      type: 'boolean',
      default: false,
      describe: 'start vLLM with the judge model before the run (bench serve) and stop it after',
    })
    .option('serve-port', {
      type: 'number',
      default: 8000,
      describe: 'with --serve: the port vLLM listens on',
    })
    .option('vllm', {
      type: 'string',
      default: 'vllm',
      describe: 'with --serve: the vLLM executable (name on PATH or path)',
    })
    .check((a) => {
      checkJudgeName((a as { judge: string }).judge);
      return true;
    })
    .check(
      numberChecks({
        concurrency: { integer: true, min: 1, max: MAX_CONCURRENCY_PER_ENDPOINT },
        'batch-size': { integer: true, min: 1, max: MAX_BATCH_SIZE },
        'max-failures': { integer: true, min: 0 },
        'request-timeout': SECONDS,
        'give-up': SECONDS,
        'serve-port': PORT,
      }),
    );
}

/** Far above any server's batch; beyond it a typo (1e9) would only cost memory. */
export const MAX_CONCURRENCY_PER_ENDPOINT = 65_536;
/** vLLM's default batch is 256 sequences: a request of more prompts only waits longer. */
export const MAX_BATCH_SIZE = 1_024;

/** A --judge that is neither a built-in name nor a path: the list and the nearest name (exit 2). */
function checkJudgeName(judge: string): void {
  if (isProfilePath(judge)) return;
  const names = judgeNames();
  if (names.includes(judge)) return;
  throw new BenchError(
    `unknown judge "${judge}"${didYouMean(judge, names)}; judges: ${names.join(', ')}; ` +
      'or give the path of a profile file (./my-judge.yaml, see docs/judges.md)',
    { exitCode: 2 },
  );
}

export interface JudgeArgs {
  readonly judge: string;
  readonly 'judge-model'?: string;
  readonly endpoint?: readonly string[];
  readonly 'api-key'?: string;
  readonly 'served-model-name'?: string;
  readonly language?: string;
  readonly store?: string;
  readonly concurrency?: number;
  readonly 'batch-size'?: number;
  readonly 'max-failures'?: number;
  readonly 'request-timeout'?: number;
  readonly 'give-up'?: number;
  readonly serve?: boolean;
  readonly 'serve-port'?: number;
  readonly vllm?: string;
}

export type { ConnectedJudge };

/** The judge chosen on the command line: a JudgeSession (harness/runner/judge-session.ts). */
export type OpenedJudge = JudgeSession;

/**
 * The judge chosen on the command line, as a session: --judge (checked against the list),
 * its profile loaded, and the flags and environment mapped to the session's settings.
 * Nothing is started or opened until `connect`; the session's setting errors name no
 * flag, the CLI adds them when it prints one (advice.ts).
 */
export function openJudge(
  args: JudgeArgs,
  io: CliIO,
  protocol: 'single' | 'pairwise' = 'single',
): OpenedJudge {
  if (args.judge === LENGTH_JUDGE) releaseHeapGrowth();
  return openJudgeSession(judgeSettings(args, io, protocol));
}

/**
 * A second judge a suite asks for (the critique suite's comparator): its profile on its own
 * endpoint, with the run's store, concurrency, timeouts and failure limit, and only its own
 * API key (the judge's, from --api-key or the environment, is never sent to it).
 */
export function openOtherJudge(args: JudgeArgs, io: CliIO, request: OtherJudgeRequest): OpenedJudge {
  const settings = judgeSettings(
    {
      judge: request.profile,
      'judge-model': request.model,
      language: request.language,
      endpoint: [request.endpoint],
      store: args.store,
      concurrency: args.concurrency,
      'batch-size': args['batch-size'],
      'max-failures': args['max-failures'],
      'request-timeout': args['request-timeout'],
      'give-up': args['give-up'],
    },
    io,
    request.protocol,
  );
  return openJudgeSession({
    ...settings,
    apiKey: request.apiKey,
    ...(request.maxModelLen === undefined ? {} : { contextLength: request.maxModelLen }),
    ...(request.maxModelLenOption === undefined
      ? {}
      : { contextLengthHint: `${request.maxModelLenOption} N (or a profile file with context_length)` }),
  });
}

/** The session settings of the judging flags (flags > environment > defaults, settings.ts). */
export function judgeSettings(
  args: JudgeArgs,
  io: CliIO,
  protocol: 'single' | 'pairwise' = 'single',
): JudgeSessionSettings {
  const judge = args.judge === LENGTH_JUDGE ? LENGTH_JUDGE : loadProfile(args.judge, io);
  const seconds = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  return {
    judge,
    protocol,
    language: args.language,
    model: args['judge-model'],
    servedModelName: args['served-model-name'],
    endpoints: resolveEndpoints(args.endpoint ? [...args.endpoint] : undefined, io),
    apiKey: resolveApiKey(args['api-key'], io),
    requestTimeoutMs: seconds(args['request-timeout']),
    giveUpMs: seconds(args['give-up']),
    concurrencyPerEndpoint: args.concurrency,
    batchSize: args['batch-size'],
    maxFailures: args['max-failures'],
    storePath: resolveStorePath(args.store, io),
    ...(args.serve
      ? {
          serve: {
            port: args['serve-port'] ?? 8000,
            ...(args.vllm === undefined ? {} : { vllm: args.vllm }),
            logFile: join(workDir(io), 'vllm.log'),
            cwd: io.cwd,
            env: io.env,
          },
        }
      : {}),
    signal: io.signal,
    status: (line) => io.stderr(`${line}\n`),
    warn: warningsTo(io),
  };
}

function loadProfile(judge: string, io: CliIO): JudgeProfile {
  checkJudgeName(judge);
  return loadJudgeProfile(judge, { cwd: io.cwd });
}

/** What a finished run's judgments came to (RunSummary's counts). */
export interface JudgmentCounts {
  readonly requested: number;
  readonly errors: number;
  readonly unparsed: number;
}

/**
 * Whether a finished run's failed judgments are allowed (none failed, or no more than
 * --max-failures), and the words for its last line when some failed or went unparsed.
 * Failed: no answer (errors are never stored; a rerun sends them again). Unparsed: the
 * judge answered without a verdict (stored; not a failure).
 */
export function judgmentOutcome(
  counts: JudgmentCounts,
  maxFailures: number | undefined,
): { allowed: boolean; summary: string | undefined } {
  const { requested, errors, unparsed } = counts;
  const allowed = errors === 0 || (maxFailures !== undefined && errors <= maxFailures);
  const parts: string[] = [];
  if (errors > 0)
    parts.push(
      `${errors} of ${requested} judgments failed${allowed ? ` (allowed by --max-failures ${maxFailures})` : ''}`,
    );
  if (unparsed > 0) parts.push(`${unparsed} unparsed (the judge answered without a verdict)`);
  return { allowed, summary: parts.length > 0 ? parts.join(', ') : undefined };
}

/** What a suite run needs of the command line: Ctrl-C, the progress display, the connected judge's client and store. */
export function runOptionsFor(connected: ConnectedJudge, io: CliIO): Omit<RunOptions, 'label' | 'subjects'> {
  return {
    signal: io.signal,
    progress: stderrProgress(io.stderr, { isTTY: io.stderrIsTTY }),
    ...connected.run,
  };
}
