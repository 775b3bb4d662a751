import { JudgeServerError } from '../client/errors.js';
import { JudgeSettingsError } from '../runner/judge-session.js';
import { ServeError } from '../serve/launcher.js';

/**
 * What the command line adds to an engine error: which flag or command fixes it. The
 * engine (harness/client) says what is wrong in the server's terms and carries the facts
 * as fields (kind, endpoint, model, what is served, whether a key was sent), and so does
 * the judge session for a setting that cannot work (JudgeSettingsError: which setting);
 * the flags and commands that fix it are the CLI's, so they are named here only.
 */

/**
 * `message` (the error's, as the CLI prints it) with the advice for `e`: right after
 * the engine's own text when another error wraps it (`... is it still running? Check its
 * log ... (12 judgments of this run are stored; ...)`), else at the end.
 */
export function withAdvice(message: string, e: unknown): string {
  const setting = causeOfType(e, JudgeSettingsError);
  if (setting) return replaced(message, setting.message, settingInFlags(setting));
  const serve = causeOfType(e, ServeError);
  if (serve) return serveInFlags(message, serve);
  const server = judgeServerError(e);
  const advice = server ? serverAdvice(server) : '';
  if (!server || advice === '') return message;
  const inner = server.message;
  const at = message.indexOf(inner);
  if (at < 0) return join(message, advice);
  return message.slice(0, at) + join(inner, advice) + message.slice(at + inner.length);
}

function judgeServerError(e: unknown): JudgeServerError | undefined {
  return causeOfType(e, JudgeServerError);
}

/** `e`, or the error it wraps (its cause, or the cause's), that is a `type`. */
function causeOfType<T extends Error>(e: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let cur = e, depth = 0; cur instanceof Error && depth < 5; depth++) {
    if (cur instanceof type) return cur;
    cur = cur.cause;
  }
  return undefined;
}

/** `message` with the engine's `inner` text replaced by `outer` (as is when it lacks it). */
function replaced(message: string, inner: string, outer: string): string {
  const at = message.indexOf(inner);
  return at < 0 ? message : message.slice(0, at) + outer + message.slice(at + inner.length);
}

/** A judge session's setting error, with the flag that sets it (judge-options.ts). */
function settingInFlags(e: JudgeSettingsError): string {
  switch (e.kind) {
    case 'judge':
      return `--judge ${e.judge}: ${e.reason}`;
    case 'language':
      return `--language ${e.value}: ${e.reason}`;
    case 'weights':
      return `--serve: ${e.reason} with --judge-model NAME`;
    case 'model':
      return `${e.reason} with --judge-model NAME`;
  }
}

/** Starting vLLM failed (bench serve, bench run --serve): the flags that fix it. */
function serveInFlags(message: string, e: ServeError): string {
  switch (e.kind) {
    case 'port':
      return `${message}; pick one with --port (bench run: --serve-port)`;
    case 'port-in-use':
      return `${message}; use it with --endpoint ${e.subject ?? 'URL'}, or pick another --port (bench run: --serve-port)`;
    case 'vllm-missing':
      // a path given with --vllm names the flag; a name looked up on PATH says how to give one
      return e.subject !== undefined && e.subject.includes('/')
        ? `--vllm ${message}`
        : replaced(
            message,
            ', or start the server yourself',
            ' or pass --vllm /path/to/vllm; or start the server yourself and pass --endpoint URL',
          );
    case 'not-ready':
      return join(message, 'raise --timeout');
    case 'out-of-memory':
      return replaced(
        message,
        ': out of GPU memory',
        ': out of GPU memory (lower --max-model-len or --gpu-memory-utilization, or raise --tensor-parallel-size)',
      );
    case 'exited':
      return message;
  }
}

function serverAdvice(e: JudgeServerError): string {
  const model = e.model ?? 'MODEL';
  const start = `start one with \`bench serve --model ${model}\` (or \`vllm serve ${model} --port 8000\`), or pass --endpoint URL`;
  switch (e.kind) {
    case 'unreachable':
      // one server that stopped answering: its log says why
      return e.endpoint === undefined
        ? start
        : `check its log (bench serve writes .bench/vllm.log), or ${start}`;
    case 'unauthorized':
      return e.keyGiven
        ? 'pass the key the server was started with (--api-key or $BENCH_API_KEY)'
        : 'pass the key the server was started with as --api-key or $BENCH_API_KEY';
    case 'model-not-found':
      if (e.served === undefined) return ''; // not an OpenAI API: the message says so
      if (e.endpoint === undefined) {
        return `start one with \`bench serve --model ${model}\`, or pass --endpoint URL of one that serves it`;
      }
      return `start it with --served-model-name ${model}, as bench serve does, or judge with a served model (--served-model-name NAME)`;
    default:
      return '';
  }
}

/** `text; advice`, or `text? Advice` after a question or a sentence. */
function join(text: string, advice: string): string {
  return /[?.]$/.test(text) ? `${text} ${advice[0]!.toUpperCase()}${advice.slice(1)}` : `${text}; ${advice}`;
}
