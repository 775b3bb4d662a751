import { join } from 'node:path';
import type { Argv } from 'yargs';
import { BenchError, errorMessage } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import type { JudgeInfo } from '../core/types.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, EndpointPool } from '../client/endpoint-pool.js';
import {
  builtInJudgeNames,
  createGenerativeJudge,
  isProfilePath,
  loadJudgeProfile,
  resolveJudgeModel,
  serveSettings,
  type GenerativeJudgeOptions,
  type JudgeProfile,
} from '../judge/generative/index.js';
import type { Judge } from '../judge/judge.js';
import { createLengthJudge } from '../judge/length.js';
import { stderrProgress } from '../runner/progress.js';
import type { RunOptions } from '../runner/run-judgments.js';
import { startJudgeServer, type JudgeServer } from '../serve/launcher.js';
import { JudgmentStore } from '../store/judgment-store.js';
import { storeJudgmentCache } from '../runner/store-cache.js';
import type { CliIO } from './io.js';
import { numberChecks, PORT, SECONDS } from './number-options.js';
import { resolveApiKey, resolveEndpoints, resolveStorePath, workDir } from './settings.js';

/** The in-process baseline; every other judge is a profile (judges/*.yaml, or a user's file). */
export const LENGTH_JUDGE = 'length';

/** What --judge takes by name: the built-in profiles and the length baseline. */
export function judgeNames(): string[] {
  return [...builtInJudgeNames(), LENGTH_JUDGE];
}

/**
 * Prompts in flight per endpoint: twice vLLM's default batch of 256 sequences, so requests
 * of several prompts (see below) still keep it full while their finished prompts wait.
 */
export const DEFAULT_CONCURRENCY_PER_ENDPOINT = 512;

/**
 * Prompts per HTTP request (`prompt` as a list, which vLLM's /v1/completions accepts).
 * With 8, the client's cost per request (HTTP, JSON, the openai client) is shared by 8
 * judgments: ~0.7 ms of harness CPU per judgment instead of ~2.2 in
 * benchmarks/autoj-throughput.ts (the harness stays out of the GPU's way). The price:
 * - a request is answered once all its prompts are done, so its finished sequences wait
 *   for the slowest: keep several times the server's batch in flight (`--concurrency`;
 *   against a 256-sequence batch in vllm-sim, 256 prompts in flight in requests of 8 left
 *   it a third empty, 512 kept it as full as 256 single prompts do);
 * - a server that dies takes with it the finished judgments of its unfinished requests
 *   (up to 7 per request in flight), and a request that times out is generated again whole.
 */
export const DEFAULT_BATCH_SIZE = 8;

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

export interface ConnectedJudge {
  readonly judge: Judge;
  readonly run: Pick<RunOptions, 'cache' | 'client' | 'concurrency' | 'batchSize' | 'maxFailures'>;
}

/**
 * A judge chosen on the command line. Its identity is known at once (`identify`), unless
 * its profile leaves the model open and none is named: then it is the model the server
 * lists. `connect` reaches the server (starting it with --serve), reads its context length
 * and opens the store, once, when judging is actually needed: a refresh with nothing new
 * never does.
 */
export interface OpenedJudge {
  /** the judge's name (a profile's `name`, not the path it was loaded from) */
  readonly name: string;
  identify(): Promise<JudgeInfo>;
  connect(): Promise<ConnectedJudge>;
  close(): Promise<void>;
}

/**
 * The context length assumed for the judge's identity before the server is asked, for a
 * profile that takes the served one: the identity (name, model, template, sampling) does
 * not depend on it; `connect` builds the judge with the served length.
 */
const UNKNOWN_CONTEXT_LENGTH = 1 << 30;

export function openJudge(
  args: JudgeArgs,
  io: CliIO,
  protocol: 'single' | 'pairwise' = 'single',
): OpenedJudge {
  const maxFailures = args['max-failures'];
  if (args.judge === LENGTH_JUDGE) {
    const judge = createLengthJudge();
    return {
      name: judge.info.name,
      identify: async () => judge.info,
      connect: async () => ({ judge, run: maxFailures === undefined ? {} : { maxFailures } }),
      close: async () => {},
    };
  }
  checkJudgeName(args.judge);
  const profile = loadJudgeProfile(args.judge, { cwd: io.cwd });
  const language = args.language ?? profile.languages[0]!;
  if (!profile.languages.includes(language)) {
    throw new BenchError(
      `--language ${language}: judge ${profile.name} has templates in ${profile.languages.join(', ')} only`,
      { exitCode: 2 },
    );
  }
  // The model's identity (part of every key): the profile's, or for an open profile the
  // one named (--judge-model, else the served name given), else the one the server lists.
  const named = args['judge-model'] ?? (profile.model === null ? args['served-model-name'] : undefined);
  const options: GenerativeJudgeOptions = {
    protocol,
    language,
    ...(named === undefined ? {} : { model: named }),
    ...(args['served-model-name'] === undefined ? {} : { servedModelName: args['served-model-name'] }),
  };
  const build = (more: GenerativeJudgeOptions) => {
    try {
      return createGenerativeJudge(profile, { ...options, ...more });
    } catch (e) {
      throw new BenchError(`--judge ${args.judge}: ${errorMessage(e)}`, { exitCode: 2 });
    }
  };
  // checked now (a wrong --judge-model, a protocol the profile lacks), not after vLLM started
  const offline =
    profile.model === null && named === undefined
      ? undefined
      : build({ maxModelLen: profile.contextLength ?? UNKNOWN_CONTEXT_LENGTH });
  const weights = serveSettings(profile).model ?? named;
  if (args.serve && weights === undefined) {
    throw new BenchError(
      `--serve: judge ${profile.name} leaves the model open: name the weights to serve with --judge-model NAME`,
      { exitCode: 2 },
    );
  }
  const apiKey = resolveApiKey(args['api-key'], io);
  let server: JudgeServer | undefined;
  let pool: EndpointPool | undefined;
  let store: JudgmentStore | undefined;
  let connected: Promise<ConnectedJudge> | undefined;
  let closeCache: (() => void) | undefined;

  const connect = async (): Promise<ConnectedJudge> => {
    let endpoints = resolveEndpoints(args.endpoint ? [...args.endpoint] : undefined, io);
    if (args.serve) {
      server = await startProfileServer(profile, weights!, args, io, apiKey);
      endpoints = [server.url];
    }
    pool = new EndpointPool({
      endpoints,
      apiKey,
      timeoutMs:
        args['request-timeout'] === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : args['request-timeout'] * 1000,
      giveUpMs: (args['give-up'] ?? 60) * 1000,
    });
    const wanted = args['served-model-name'] ?? profile.model ?? named;
    const probe = await pool.probe(io.signal, wanted ?? ((listed) => onlyModel(profile, listed)));
    const served = probe.model!;
    const contextLength = probe.maxModelLen ?? profile.contextLength;
    if (contextLength === null) {
      throw new BenchError(
        `judge ${profile.name} takes the served model's context length, and ${pool.urls.join(', ')} does not list max_model_len for ${served} in /v1/models`,
      );
    }
    const judge = build({
      ...(profile.model === null ? { model: named ?? served } : {}),
      servedModelName: served,
      maxModelLen: contextLength,
    });
    io.stderr(
      `judge ${profile.name} (${served}) on ${pool.urls.length} endpoint(s), context ${judge.maxModelLen} tokens\n`,
    );
    const storePath = resolveStorePath(args.store, io);
    store = JudgmentStore.open(storePath);
    const cache = storeJudgmentCache(store, judge.info);
    closeCache = cache.close;
    const perEndpoint = args.concurrency ?? DEFAULT_CONCURRENCY_PER_ENDPOINT;
    const client = pool;
    return {
      judge,
      run: {
        cache,
        client: {
          complete: (request, signal) => client.complete(request, signal),
          completeBatch: (requests, signal) => client.completeBatch(requests, signal),
          get retries() {
            return client.stats().retries;
          },
        },
        concurrency: perEndpoint * pool.urls.length,
        batchSize: args['batch-size'] ?? DEFAULT_BATCH_SIZE,
        ...(maxFailures === undefined ? {} : { maxFailures }),
      },
    };
  };

  return {
    name: profile.name,
    identify: async () => offline?.info ?? (await (connected ??= connect())).judge.info,
    connect: () => (connected ??= connect()),
    async close() {
      closeCache?.();
      store?.close();
      pool?.close();
      if (server) await server.stop();
    },
  };
}

/** For a profile that leaves the model open and none named: the one model the server lists. */
function onlyModel(profile: JudgeProfile, listed: readonly string[]): string {
  try {
    return resolveJudgeModel(profile, listed);
  } catch (e) {
    throw new BenchError(`${errorMessage(e)} with --judge-model NAME`, { exitCode: 2 });
  }
}

/** `bench run --serve`: vLLM with what the profile needs (context length, quantization, chat template). */
async function startProfileServer(
  profile: JudgeProfile,
  weights: string,
  args: JudgeArgs,
  io: CliIO,
  apiKey: string | undefined,
): Promise<JudgeServer> {
  const settings = serveSettings(profile);
  const logFile = join(workDir(io), 'vllm.log');
  io.stderr(`starting vLLM with ${weights} (log: ${logFile})\n`);
  return startJudgeServer({
    model: weights,
    servedModelName: args['served-model-name'],
    ...(settings.maxModelLen === undefined ? {} : { maxModelLen: settings.maxModelLen }),
    extraArgs: settings.extraArgs,
    port: args['serve-port'] ?? 8000,
    ...(args.vllm !== undefined ? { vllm: args.vllm } : {}),
    cwd: io.cwd,
    logFile,
    apiKey,
    env: io.env,
    signal: io.signal,
    onStatus: (line) => io.stderr(`${line}\n`),
  });
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
