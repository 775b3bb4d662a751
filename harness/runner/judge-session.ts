import { Closers } from '../core/closers.js';
import { BenchError, errorMessage } from '../core/errors.js';
import type { JudgeInfo } from '../core/types.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, EndpointPool } from '../client/endpoint-pool.js';
import {
  createGenerativeJudge,
  resolveJudgeModel,
  serveSettings,
  type GenerativeJudge,
  type GenerativeJudgeOptions,
  type JudgeProfile,
  type Protocol,
} from '../judge/generative/index.js';
import type { Judge } from '../judge/judge.js';
import { createLengthJudge } from '../judge/length.js';
import { startJudgeServer } from '../serve/launcher.js';
import { JudgmentStore } from '../store/judgment-store.js';
import type { RunOptions } from './run-judgments.js';
import { storeJudgmentCache } from './store-cache.js';

/** The in-process baseline (harness/judge/length.ts); every other judge is a profile. */
export const LENGTH_JUDGE = 'length';

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
 *   for the slowest: keep several times the server's batch in flight (concurrency;
 *   against a 256-sequence batch in vllm-sim, 256 prompts in flight in requests of 8 left
 *   it a third empty, 512 kept it as full as 256 single prompts do);
 * - a server that dies takes with it the finished judgments of its unfinished requests
 *   (up to 7 per request in flight), and a request that times out is generated again whole.
 */
export const DEFAULT_BATCH_SIZE = 8;

/** How long every endpoint may be down before requests fail (the pool's giveUpMs). */
export const DEFAULT_GIVE_UP_MS = 60_000;

/** How to start vLLM for the judge (its model, context length, quantization: the profile's). */
export interface JudgeServeSettings {
  /** default 8000 */
  readonly port?: number;
  /** the vllm executable: a name looked up on PATH, or a path; default `vllm` */
  readonly vllm?: string;
  /** all of vLLM's output is appended here; relative to `cwd` */
  readonly logFile: string;
  readonly cwd?: string;
  /** vLLM's environment (and the PATH `vllm` is looked up on); default this process's */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Everything a judging run needs to reach its judge, as plain data (the CLI maps its flags
 * and environment to these: harness/cli/judge-options.ts).
 */
export interface JudgeSessionSettings {
  /** the in-process length baseline, or a loaded judge profile (loadJudgeProfile) */
  readonly judge: typeof LENGTH_JUDGE | JudgeProfile;
  /** default `single` */
  readonly protocol?: Protocol;
  /** one of the profile's languages; default its first */
  readonly language?: string;
  /**
   * The judge model's identity (part of every key), for a profile that leaves it open;
   * for one that names it, only that model is accepted. Default: for an open profile, the
   * served model name if given, else the one model the endpoints list.
   */
  readonly model?: string;
  /** the model's name on the server (vLLM `--served-model-name`); default the model */
  readonly servedModelName?: string;
  /**
   * The model's context length (prompt plus generation) where the server lists none in
   * /v1/models (a hosted model): for a profile that takes the served one. A length the
   * server lists that is smaller wins.
   */
  readonly contextLength?: number;
  /** how the user gives `contextLength`, for the error when it is needed and missing (`--comparator-max-model-len N`) */
  readonly contextLengthHint?: string;
  /** OpenAI API base URLs of the judge servers (unused when `serve` starts one) */
  readonly endpoints: readonly string[];
  /** sent as the bearer token (and given to a served vLLM); never logged */
  readonly apiKey?: string;
  /** per request attempt; default DEFAULT_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
  /** how long every server may be down before the run fails; default DEFAULT_GIVE_UP_MS */
  readonly giveUpMs?: number;
  /** default DEFAULT_CONCURRENCY_PER_ENDPOINT */
  readonly concurrencyPerEndpoint?: number;
  /** default DEFAULT_BATCH_SIZE */
  readonly batchSize?: number;
  /** failed judgments a run may have before it stops; default: it goes on */
  readonly maxFailures?: number;
  /** the judgment store (SQLite file); opened on connect, never for the length judge */
  readonly storePath: string;
  /** start vLLM with the judge model on connect, and stop it on close */
  readonly serve?: JudgeServeSettings;
  /** aborts a connect in progress (starting vLLM, probing the servers) */
  readonly signal?: AbortSignal;
  /** progress lines (no trailing newline): which judge on which servers, vLLM starting */
  readonly status?: (line: string) => void;
  /** problems that do not fail the run (a close that failed after another error) */
  readonly warn?: (message: string) => void;
}

/** The connected judge, and what the runner needs to reach it and keep its judgments. */
export interface ConnectedJudge {
  readonly judge: Judge;
  readonly run: Pick<RunOptions, 'cache' | 'client' | 'concurrency' | 'batchSize' | 'maxFailures'>;
  /** the raw texts of stored judgments by key (a run's, once it has finished); none for the length judge */
  readonly texts: StoredTexts;
}

/** Raw texts of stored judgments by key (absent keys are missing from the map). */
export type StoredTexts = (keys: readonly string[]) => ReadonlyMap<string, { readonly text: string }>;

/**
 * A judge with its wiring: the served vLLM (when asked for), the endpoint pool, the
 * judgment store and its write-behind cache. Opening one costs nothing and starts
 * nothing: its identity is known at once (`identify`) unless its profile leaves the model
 * open and none is named (then it is the model the server lists), and `connect` reaches
 * the server (starting it first with `serve`), reads its context length and opens the
 * store, once, when judging is actually needed (a refresh with nothing new never does).
 * `close` closes what was opened, in reverse order; `use` closes it however its body ends.
 */
export interface JudgeSession extends AsyncDisposable {
  /** the judge's name (a profile's `name`, or `length`) */
  readonly name: string;
  identify(): Promise<JudgeInfo>;
  connect(): Promise<ConnectedJudge>;
  /**
   * Runs `body` with this session and closes it after, however `body` ends. When `body`
   * fails, its error is the one thrown, and a failure to close is only warned about
   * (`await using` would throw a SuppressedError instead).
   */
  use<T>(body: (session: JudgeSession) => Promise<T>): Promise<T>;
  /**
   * Closes the cache (its last judgments committed), the store, the pool and the served
   * vLLM, in that order, each even when an earlier one failed (the first failure is
   * thrown, later ones warned about); waits for a connect in progress, aborting it first.
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * A setting of the session that cannot work, in the engine's terms (what is wrong, with
 * the facts as fields); the CLI says which flag fixes it (harness/cli/advice.ts).
 * - `judge`: the profile cannot be this judge (no such protocol, another model);
 * - `language`: the profile has no templates in `value`;
 * - `weights`: serving needs the model's weights named, and the profile leaves them open;
 * - `model`: the profile leaves the model open and the servers do not list exactly one.
 */
export class JudgeSettingsError extends BenchError {
  readonly kind: 'judge' | 'language' | 'weights' | 'model';
  /** the judge profile's name */
  readonly judge: string;
  /** the setting's value at fault, when there is one (the language) */
  readonly value: string | undefined;
  /** what is wrong, without the setting's name */
  readonly reason: string;
  constructor(
    kind: JudgeSettingsError['kind'],
    judge: string,
    reason: string,
    options: { value?: string; cause?: unknown } = {},
  ) {
    super(options.value === undefined ? reason : `${kind} ${options.value}: ${reason}`, {
      exitCode: 2,
      cause: options.cause,
    });
    this.kind = kind;
    this.judge = judge;
    this.value = options.value;
    this.reason = reason;
  }
}

/** `openJudgeSession(settings).use(body)`: a session for the length of `body`. */
export function withJudgeSession<T>(
  settings: JudgeSessionSettings,
  body: (session: JudgeSession) => Promise<T>,
): Promise<T> {
  return openJudgeSession(settings).use(body);
}

/**
 * The context length assumed for the judge's identity before the server is asked, for a
 * profile that takes the served one: the identity (name, model, template, sampling) does
 * not depend on it; `connect` builds the judge with the served length.
 */
const UNKNOWN_CONTEXT_LENGTH = 1 << 30;

/**
 * A session for `settings`. Throws a JudgeSettingsError at once for what can be checked
 * without a server (a language or protocol the profile lacks, another model than its own,
 * serving a profile that leaves its weights open): before vLLM is started, not after.
 */
export function openJudgeSession(settings: JudgeSessionSettings): JudgeSession {
  const warn = settings.warn ?? (() => {});
  const resources = new Closers(warn);
  if (settings.judge === LENGTH_JUDGE) {
    const judge = createLengthJudge();
    const maxFailures = settings.maxFailures;
    return session(judge.info.name, resources, warn, {
      identify: async () => judge.info,
      connect: async () => ({
        judge,
        run: maxFailures === undefined ? {} : { maxFailures },
        texts: () => new Map(),
      }),
    });
  }
  const profile = settings.judge;
  const wiring = profileWiring(profile, settings);
  let connected: Promise<ConnectedJudge> | undefined;
  const connect = () =>
    (connected ??= resources.opening(() => connectProfile(profile, settings, wiring, resources)));
  return session(profile.name, resources, warn, {
    identify: async () => wiring.offline?.info ?? (await connect()).judge.info,
    connect,
  });
}

interface ProfileWiring {
  /** the judge's identity when it is known before the server is asked */
  readonly offline: GenerativeJudge | undefined;
  /** the model named (open profiles) */
  readonly named: string | undefined;
  /** the weights vLLM serves, when it is to be started */
  readonly weights: string | undefined;
  build(more: GenerativeJudgeOptions): GenerativeJudge;
}

/** What can be checked of a profile judge without a server, checked. */
function profileWiring(profile: JudgeProfile, settings: JudgeSessionSettings): ProfileWiring {
  const language = settings.language ?? profile.languages[0]!;
  if (!profile.languages.includes(language)) {
    throw new JudgeSettingsError(
      'language',
      profile.name,
      `judge ${profile.name} has templates in ${profile.languages.join(', ')} only`,
      { value: language },
    );
  }
  // The model's identity (part of every key): the profile's, or for an open profile the
  // one named (else the served name given), else the one the server lists.
  const named = settings.model ?? (profile.model === null ? settings.servedModelName : undefined);
  const options: GenerativeJudgeOptions = {
    protocol: settings.protocol ?? 'single',
    language,
    ...(named === undefined ? {} : { model: named }),
    ...(settings.servedModelName === undefined ? {} : { servedModelName: settings.servedModelName }),
  };
  const build = (more: GenerativeJudgeOptions) => {
    try {
      return createGenerativeJudge(profile, { ...options, ...more });
    } catch (e) {
      throw new JudgeSettingsError('judge', profile.name, errorMessage(e), { cause: e });
    }
  };
  const offline =
    profile.model === null && named === undefined
      ? undefined
      : build({ maxModelLen: profile.contextLength ?? UNKNOWN_CONTEXT_LENGTH });
  const weights = serveSettings(profile).model ?? named;
  if (settings.serve && weights === undefined) {
    throw new JudgeSettingsError(
      'weights',
      profile.name,
      `judge ${profile.name} leaves the model open: name the weights to serve`,
    );
  }
  return { offline, named, weights, build };
}

async function connectProfile(
  profile: JudgeProfile,
  settings: JudgeSessionSettings,
  wiring: ProfileWiring,
  resources: Closers,
): Promise<ConnectedJudge> {
  const status = settings.status ?? (() => {});
  const signal = resources.signal(settings.signal);
  let endpoints = settings.endpoints;
  if (settings.serve) {
    const serve = settings.serve;
    const vllm = serveSettings(profile);
    status(`starting vLLM with ${wiring.weights} (log: ${serve.logFile})`);
    const server = await startJudgeServer({
      model: wiring.weights!,
      servedModelName: settings.servedModelName,
      ...(vllm.maxModelLen === undefined ? {} : { maxModelLen: vllm.maxModelLen }),
      extraArgs: vllm.extraArgs,
      port: serve.port ?? 8000,
      ...(serve.vllm === undefined ? {} : { vllm: serve.vllm }),
      ...(serve.cwd === undefined ? {} : { cwd: serve.cwd }),
      logFile: serve.logFile,
      apiKey: settings.apiKey,
      ...(serve.env === undefined ? {} : { env: serve.env }),
      signal,
      onStatus: status,
    });
    resources.add(() => server.stop());
    endpoints = [server.url];
  }
  const pool = new EndpointPool({
    endpoints,
    apiKey: settings.apiKey,
    timeoutMs: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    giveUpMs: settings.giveUpMs ?? DEFAULT_GIVE_UP_MS,
  });
  resources.add(() => pool.close());
  const { named } = wiring;
  const wanted = settings.servedModelName ?? profile.model ?? named;
  const probe = await pool.probe(signal, wanted ?? ((listed) => onlyModel(profile, listed)));
  const served = probe.model!;
  const given = settings.contextLength;
  const contextLength =
    given === undefined
      ? (probe.maxModelLen ?? profile.contextLength)
      : Math.min(given, probe.maxModelLen ?? given);
  if (contextLength === null) {
    const hint =
      settings.contextLengthHint === undefined ? '' : `: give it with ${settings.contextLengthHint}`;
    throw new BenchError(
      `judge ${profile.name} takes the served model's context length, and ${pool.urls.join(', ')} does not list max_model_len for ${served} in /v1/models${hint}`,
      { exitCode: 2 },
    );
  }
  const judge = wiring.build({
    ...(profile.model === null ? { model: named ?? served } : {}),
    servedModelName: served,
    maxModelLen: contextLength,
  });
  status(
    `judge ${profile.name} (${served}) on ${pool.urls.length} endpoint(s), context ${judge.maxModelLen} tokens`,
  );
  const store = JudgmentStore.open(settings.storePath);
  resources.add(() => store.close());
  const cache = storeJudgmentCache(store, judge.info);
  resources.add(() => cache.close());
  const perEndpoint = settings.concurrencyPerEndpoint ?? DEFAULT_CONCURRENCY_PER_ENDPOINT;
  const maxFailures = settings.maxFailures;
  return {
    judge,
    run: {
      cache,
      client: {
        complete: (request, s) => pool.complete(request, s),
        completeBatch: (requests, s) => pool.completeBatch(requests, s),
        get retries() {
          return pool.stats().retries;
        },
      },
      concurrency: perEndpoint * pool.urls.length,
      batchSize: settings.batchSize ?? DEFAULT_BATCH_SIZE,
      ...(maxFailures === undefined ? {} : { maxFailures }),
    },
    texts: (keys) => store.getMany(keys),
  };
}

/** For a profile that leaves the model open and none named: the one model the server lists. */
function onlyModel(profile: JudgeProfile, listed: readonly string[]): string {
  try {
    return resolveJudgeModel(profile, listed);
  } catch (e) {
    throw new JudgeSettingsError('model', profile.name, errorMessage(e), { cause: e });
  }
}

function session(
  name: string,
  resources: Closers,
  warn: (message: string) => void,
  judge: Pick<JudgeSession, 'identify' | 'connect'>,
): JudgeSession {
  const self: JudgeSession = {
    name,
    identify: () => (resources.closed ? Promise.reject(closedError(name)) : judge.identify()),
    connect: () => (resources.closed ? Promise.reject(closedError(name)) : judge.connect()),
    async use(body) {
      let result;
      try {
        result = await body(self);
      } catch (e) {
        await self.close().catch((c: unknown) => warn(`closing judge ${name}: ${errorMessage(c)}`));
        throw e;
      }
      await self.close();
      return result;
    },
    close: () => resources.close(),
    [Symbol.asyncDispose]: () => resources.close(),
  };
  return self;
}

function closedError(name: string): BenchError {
  return new BenchError(`the session of judge ${name} is closed`);
}
