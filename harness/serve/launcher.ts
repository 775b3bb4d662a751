import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BenchError, errorMessage } from '../core/errors.js';
import { logTail } from './log-tail.js';

/** How `bench serve` (and `bench run --serve`) start vLLM. */
export interface JudgeServerOptions {
  /** Hugging Face id or local path (a judge profile's `model`, see serveSettings) */
  readonly model: string;
  /** the name requests use; default: `model` */
  readonly servedModelName?: string;
  /** address vLLM binds; default 127.0.0.1 (0.0.0.0 to serve other machines) */
  readonly host?: string;
  /** default 8000 */
  readonly port?: number;
  /** vLLM's `--max-model-len` (a profile's context length); absent: the model's own */
  readonly maxModelLen?: number;
  /** default 1 */
  readonly tensorParallelSize?: number;
  /** default 0.9 */
  readonly gpuMemoryUtilization?: number;
  /** appended to vLLM's arguments as given */
  readonly extraArgs?: readonly string[];
  /** the vllm executable: a name looked up on PATH, or a path; default `vllm` */
  readonly vllm?: string;
  /** all of vLLM's output is appended here; relative to `cwd` */
  readonly logFile: string;
  readonly cwd?: string;
  /** vLLM's environment (PATH is also where `vllm` is looked up); default: this process's */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** makes vLLM require it; given through the environment (VLLM_API_KEY), never on the command line */
  readonly apiKey?: string;
  /** how long to wait for /health and /v1/models; default 1200 s (a first start downloads the model) */
  readonly timeoutMs?: number;
  /** after SIGTERM, how long vLLM may take before SIGKILL; default 30 s */
  readonly stopGraceMs?: number;
  /** default 1 s */
  readonly pollIntervalMs?: number;
  /** aborting stops vLLM and rejects with the signal's reason */
  readonly signal?: AbortSignal;
  /** progress lines (no trailing newline), for stderr */
  readonly onStatus?: (line: string) => void;
}

export interface JudgeServerExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface JudgeServer {
  /** the OpenAI API base to judge against, e.g. http://127.0.0.1:8000/v1 */
  readonly url: string;
  /** the served model name */
  readonly model: string;
  /** from /v1/models, when vLLM reports it */
  readonly maxModelLen: number | undefined;
  readonly pid: number;
  /** absolute path of the log */
  readonly logFile: string;
  /** vLLM's command line (the API key is never on it) */
  readonly command: readonly string[];
  /** settles when vLLM exits, on its own or after stop() */
  readonly exited: Promise<JudgeServerExit>;
  /** the last lines vLLM wrote in this run */
  logTail(count?: number): string[];
  /** SIGTERM to vLLM's process group, SIGKILL after the grace period; resolves once it is gone */
  stop(): Promise<void>;
}

/** vLLM failed to start or stopped; `logTail` holds the end of its log for the user. */
/**
 * What went wrong when starting vLLM, in the server's terms; the CLI adds which of its
 * flags fix it (harness/cli/advice.ts), so the engine names none.
 * - `port`: not a TCP port; `port-in-use`: something answers there already (`url`);
 * - `vllm-missing`: no vLLM executable (`executable` as given: a name or a path);
 * - `not-ready`: no answer within the start timeout; `out-of-memory`: vLLM ran out of GPU
 *   memory; `exited`: it exited or failed otherwise (the log tail says why).
 */
export type ServeErrorKind =
  'port' | 'port-in-use' | 'vllm-missing' | 'not-ready' | 'out-of-memory' | 'exited';

export class ServeError extends BenchError {
  readonly kind: ServeErrorKind;
  readonly logFile: string | undefined;
  readonly logTail: readonly string[];
  /** the server URL (`port-in-use`) or the executable looked for (`vllm-missing`) */
  readonly subject: string | undefined;
  constructor(
    kind: ServeErrorKind,
    message: string,
    details: { logFile?: string; tail?: readonly string[]; subject?: string } = {},
  ) {
    super(message);
    this.kind = kind;
    this.logFile = details.logFile;
    this.logTail = details.tail ?? [];
    this.subject = details.subject;
  }
}

/** vLLM's arguments: `serve MODEL --host ... --port ...` and the pass-through ones. */
export function vllmArguments(options: Omit<JudgeServerOptions, 'logFile'>): string[] {
  const model = options.model;
  return [
    'serve',
    model,
    '--host',
    options.host ?? '127.0.0.1',
    '--port',
    String(options.port ?? 8000),
    '--served-model-name',
    options.servedModelName ?? model,
    ...(options.maxModelLen === undefined ? [] : ['--max-model-len', String(options.maxModelLen)]),
    '--tensor-parallel-size',
    String(options.tensorParallelSize ?? 1),
    '--gpu-memory-utilization',
    String(options.gpuMemoryUtilization ?? 0.9),
    ...(options.extraArgs ?? []),
  ];
}

/**
 * Starts vLLM's OpenAI-compatible server in its own process group, its output appended to
 * `logFile`, and resolves once GET /health and GET /v1/models answer (listing the served
 * model). Fails with a ServeError (one-line message, log tail attached) if vLLM exits
 * first or is not ready in time; vLLM is stopped in every failure case.
 */
export async function startJudgeServer(options: JudgeServerOptions): Promise<JudgeServer> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8000;
  const served = options.servedModelName ?? options.model;
  const timeoutMs = options.timeoutMs ?? 1_200_000;
  const pollMs = options.pollIntervalMs ?? 1_000;
  const status = options.onStatus ?? (() => {});
  const signal = options.signal ?? new AbortController().signal;
  const logFile = path.resolve(cwd, options.logFile);
  const shownLog = path.relative(cwd, logFile).startsWith('..') ? logFile : path.relative(cwd, logFile);
  const origin = `http://${connectHost(host)}:${port}`;
  const url = `${origin}/v1`;
  signal.throwIfAborted();

  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ServeError('port', `port ${port} is not a TCP port (1-65535)`);
  const executable = findExecutable(options.vllm ?? 'vllm', env, cwd);
  if (await portAnswers(connectHost(host), port)) {
    throw new ServeError(
      'port-in-use',
      `something already listens on ${host}:${port} (a judge server already running at ${url}?)`,
      { subject: url },
    );
  }

  // loaded here, not with the module: only a run that starts vLLM needs it
  const { execa } = await import('execa');
  const args = vllmArguments(options);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  let startOffset: number;
  let child: ReturnType<typeof spawnVllm>;
  try {
    fs.writeSync(fd, `\n=== bench serve, ${new Date().toISOString()}: ${[executable, ...args].join(' ')}\n`);
    startOffset = fs.fstatSync(fd).size;
    const childEnv = { ...env, ...(options.apiKey ? { VLLM_API_KEY: options.apiKey } : {}) };
    child = spawnVllm(execa, executable, args, { fd, cwd, env: childEnv });
  } finally {
    fs.closeSync(fd); // the child has its own copy
  }
  const tail = (count = 20) => logTail(logFile, startOffset, count);

  let exitInfo: JudgeServerExit | undefined;
  const exited: Promise<JudgeServerExit> = child.then(
    (r) => (exitInfo = { code: r.exitCode ?? null, signal: r.signal ?? null }),
    (e: unknown) => (exitInfo = { code: null, signal: errorMessage(e) }),
  );
  const pid = child.pid;
  if (pid === undefined) {
    const info = await exited;
    throw new ServeError('exited', `could not start ${executable}: ${info.signal ?? 'unknown error'}`, {
      logFile,
      tail: tail(),
    });
  }
  const pgid = pid;
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // already gone
    }
  };
  // vLLM is in its own process group (its workers too): if this process exits without
  // stopping it (second Ctrl-C, crash), do not leave it holding the GPU.
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (!exitInfo) {
        killGroup('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), options.stopGraceMs ?? 30_000);
        await exited;
        clearTimeout(timer);
      }
      killGroup('SIGKILL'); // workers that outlived the main process
    })();
    return stopping;
  };

  status(`starting vLLM: ${[path.basename(executable), ...args].join(' ')} (log: ${shownLog})`);
  const started = Date.now();
  let lastReport = started;
  let polls = 0;
  try {
    for (;;) {
      if (exitInfo) {
        const how = exitInfo.code !== null ? `with code ${exitInfo.code}` : `(${exitInfo.signal})`;
        const found = hint(tail());
        throw new ServeError(
          found.kind,
          `vLLM exited ${how} before it was ready${found.text} (log: ${shownLog})`,
          { logFile, tail: tail() },
        );
      }
      const elapsed = Date.now() - started;
      if (elapsed >= timeoutMs) {
        const s = Math.round(timeoutMs / 1000);
        throw new ServeError(
          'not-ready',
          `vLLM did not answer /health and /v1/models within ${s} s; stopped it (log: ${shownLog}; a first start downloads the model)`,
          { logFile, tail: tail() },
        );
      }
      const ready = await readiness(origin, served, options.apiKey, signal);
      if (ready.ok) {
        status(`vLLM ready at ${url} after ${Math.round((Date.now() - started) / 1000)} s`);
        return {
          url,
          model: served,
          maxModelLen: ready.maxModelLen,
          pid,
          logFile,
          command: [executable, ...args],
          exited,
          logTail: tail,
          stop,
        };
      }
      if (ready.fatal)
        throw new ServeError('exited', `${ready.fatal} (log: ${shownLog})`, { logFile, tail: tail() });
      if (Date.now() - lastReport >= 30_000) {
        lastReport = Date.now();
        const last = tail(1)[0];
        status(
          `waiting for vLLM (${Math.round((Date.now() - started) / 1000)} s)${last ? `: ${last.slice(0, 160)}` : ''}`,
        );
      }
      // poll fast at first (a warm start takes seconds), then every pollMs
      const nextPoll = Math.min(pollMs, 100 * 2 ** polls++);
      await pause(Math.min(nextPoll, Math.max(0, timeoutMs - (Date.now() - started))), signal, exited);
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

function spawnVllm(
  execa: typeof import('execa').execa,
  executable: string,
  args: string[],
  o: { fd: number; cwd: string; env: Record<string, string | undefined> },
) {
  // vLLM writes straight into the log file (not through this process): execa passes a
  // file descriptor to spawn as is, though its typings only admit the literals 3 to 9.
  const log = o.fd as 3;
  return execa(executable, args, {
    cwd: o.cwd,
    env: o.env,
    extendEnv: false,
    stdin: 'ignore',
    stdout: log,
    stderr: log,
    // its own process group, so that stop() reaches its engine and worker processes too
    detached: true,
    cleanup: false,
    reject: false,
  });
}

/** `vllm` on PATH (or a path as given); a BenchError saying how to get vLLM otherwise. */
export function findExecutable(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  const executable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/') || name.includes(path.sep)) {
    const file = path.resolve(cwd, name);
    if (executable(file)) return file;
    throw new ServeError(
      'vllm-missing',
      `${name}: no executable file there; install vLLM (\`pip install vllm\`, needs a GPU) or fix the path`,
      { subject: name },
    );
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (executable(file)) return file;
  }
  throw new ServeError(
    'vllm-missing',
    `${name} is not on PATH: install vLLM (\`pip install vllm\`, on a machine with a GPU), or start the server yourself`,
    { subject: name },
  );
}

/** 0.0.0.0 / :: bind every interface; connect to the loopback then. */
function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

type Readiness = { ok: true; maxModelLen: number | undefined } | { ok: false; fatal?: string };

async function readiness(
  origin: string,
  served: string,
  apiKey: string | undefined,
  signal: AbortSignal,
): Promise<Readiness> {
  const get = async (p: string) => {
    const res = await fetch(`${origin}${p}`, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(2_000)]),
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  try {
    const health = await get('/health');
    if (health.status !== 200) return { ok: false };
    const models = await get('/v1/models');
    if (models.status === 401)
      return { ok: false, fatal: 'vLLM refuses the API key given to it (401 on /v1/models)' };
    if (models.status !== 200) return { ok: false };
    const data =
      (JSON.parse(models.text) as { data?: { id?: string; max_model_len?: unknown }[] }).data ?? [];
    const entry = data.find((m) => m.id === served);
    if (!entry) {
      const ids = data.map((m) => `"${m.id}"`).join(', ') || 'no model';
      return { ok: false, fatal: `vLLM answers but serves ${ids}, not "${served}"` };
    }
    return {
      ok: true,
      maxModelLen: typeof entry.max_model_len === 'number' ? entry.max_model_len : undefined,
    };
  } catch {
    signal.throwIfAborted();
    return { ok: false };
  }
}

/** Sleeps, waking early when vLLM exits; rejects when aborted. */
function pause(ms: number, signal: AbortSignal, exited: Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
    void exited.then(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/** A short hint for failures that vLLM logs in well-known words, and what kind they are. */
function hint(tail: readonly string[]): { kind: ServeErrorKind; text: string } {
  const text = tail.join('\n');
  if (/out of memory|CUDA out of memory|OutOfMemoryError/i.test(text)) {
    return { kind: 'out-of-memory', text: ': out of GPU memory' };
  }
  if (/No CUDA GPUs are available|Failed to infer device type|libcuda\.so/i.test(text))
    return { kind: 'exited', text: ': no usable GPU found' };
  if (/address already in use/i.test(text))
    return { kind: 'port-in-use', text: ': the port is already in use' };
  if (/401 Client Error|gated repo|Repository Not Found/i.test(text)) {
    return {
      kind: 'exited',
      text: ': the model could not be downloaded (check the name, or log in with `huggingface-cli login`)',
    };
  }
  return { kind: 'exited', text: '' };
}
