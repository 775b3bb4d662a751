import { join } from 'node:path';
import type { Argv } from 'yargs';
import { BenchError } from '../core/errors.js';
import type { JudgeInfo } from '../core/types.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, EndpointPool } from '../client/endpoint-pool.js';
import { createAutojJudge, isAutojProfileName, type AutojLanguage } from '../judge/autoj/index.js';
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

export const JUDGES = ['autoj', 'autoj-bilingual', 'length'] as const;

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
    .option('judge', { type: 'string', default: 'autoj', choices: JUDGES, describe: 'the judge' })
    .option('endpoint', {
      type: 'string',
      array: true,
      describe:
        'OpenAI-compatible base URL(s) of the judge server(s) [env BENCH_ENDPOINT; default http://127.0.0.1:8000/v1]',
    })
    .option('api-key', { type: 'string', describe: 'API key of the judge server(s) [env BENCH_API_KEY]' })
    .option('served-model-name', {
      type: 'string',
      describe: "the judge's model name on the server [default: the profile's model]",
    })
    .option('language', {
      type: 'string',
      choices: ['en', 'zh'],
      default: 'en',
      describe: 'template language (zh: autoj-bilingual only)',
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

export interface JudgeArgs {
  readonly judge: string;
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
 * A judge chosen on the command line. Its identity (`info`) is known at once; `connect`
 * reaches the server (starting it with --serve), reads its context length and opens the
 * store, once, when judging is actually needed: a refresh with nothing new never does.
 */
export interface OpenedJudge {
  readonly info: JudgeInfo;
  connect(): Promise<ConnectedJudge>;
  close(): Promise<void>;
}

export function openJudge(
  args: JudgeArgs,
  io: CliIO,
  protocol: 'single' | 'pairwise' = 'single',
): OpenedJudge {
  const maxFailures = args['max-failures'];
  if (args.judge === 'length') {
    const judge = createLengthJudge();
    return {
      info: judge.info,
      connect: async () => ({ judge, run: maxFailures === undefined ? {} : { maxFailures } }),
      close: async () => {},
    };
  }
  if (!isAutojProfileName(args.judge))
    throw new BenchError(`unknown judge "${args.judge}" (known: ${JUDGES.join(', ')})`, { exitCode: 2 });
  const profile = args.judge;
  const language = (args.language ?? 'en') as AutojLanguage;
  const judgeOptions = { profile, protocol, language, servedModelName: args['served-model-name'] };
  let offline;
  try {
    offline = createAutojJudge(judgeOptions);
  } catch (e) {
    throw new BenchError(`--judge ${profile}: ${(e as Error).message}`, { exitCode: 2 });
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
      io.stderr(`starting vLLM with ${offline.profile.model} (log: ${join(workDir(io), 'vllm.log')})\n`);
      server = await startJudgeServer({
        model: offline.profile.model,
        servedModelName: args['served-model-name'],
        port: args['serve-port'] ?? 8000,
        ...(args.vllm !== undefined ? { vllm: args.vllm } : {}),
        cwd: io.cwd,
        logFile: join(workDir(io), 'vllm.log'),
        apiKey,
        env: io.env,
        signal: io.signal,
        onStatus: (line) => io.stderr(`${line}\n`),
      });
      endpoints = [server.url];
    }
    pool = new EndpointPool({
      endpoints,
      apiKey,
      timeoutMs:
        args['request-timeout'] === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : args['request-timeout'] * 1000,
      giveUpMs: (args['give-up'] ?? 60) * 1000,
    });
    const model = args['served-model-name'] ?? offline.profile.model;
    const probe = await pool.probe(io.signal, model);
    const judge = createAutojJudge({ ...judgeOptions, maxModelLen: probe.maxModelLen });
    io.stderr(
      `judge ${profile} (${model}) on ${pool.urls.length} endpoint(s), context ${judge.maxModelLen} tokens\n`,
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
    info: offline.info,
    connect: () => (connected ??= connect()),
    async close() {
      closeCache?.();
      store?.close();
      pool?.close();
      if (server) await server.stop();
    },
  };
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
