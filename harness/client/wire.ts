import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Completion, PreparedRequest } from '../judge/judge.js';
import { onAbort } from './abort.js';
import { seconds } from './errors.js';
import type { Fetch } from './http-fetch.js';
import { AttemptError } from './retry.js';

/**
 * The wire format: what goes to an OpenAI-compatible server and how its answers are read.
 * A raw prompt goes to POST /v1/completions (several as a `prompt` list, as vLLM accepts),
 * chat messages to POST /v1/chat/completions (one conversation per request: the chat API
 * takes no list), each with every field of the request's sampling record in the body
 * (the openai client sends fields it does not know, e.g. vLLM's `repetition_penalty`,
 * as they are). Answers are read strictly: a 2xx that holds no completion is a
 * bad response (retried like a 5xx), never a completion that a later run would trust.
 */

/** A model as `/v1/models` lists it; vLLM adds `max_model_len`. */
export interface ServedModel {
  readonly id: string;
  readonly maxModelLen?: number;
}

/** The path a request goes to, under the API base. */
export type Route = '/completions' | '/chat/completions';

export function routeOf(req: PreparedRequest): Route {
  return req.messages === undefined ? '/completions' : '/chat/completions';
}

export interface ClientOptions {
  readonly apiKey: string | undefined;
  /** the per-attempt timeout; the client's own is a backstop at twice that */
  readonly timeoutMs: number;
  readonly fetch: Fetch;
}

/** The openai client for one endpoint, with its own retries off (the pool retries). */
export function createClient(baseURL: string, options: ClientOptions): OpenAI {
  return new OpenAI({
    baseURL,
    // The openai client insists on a key; without one, send no Authorization header.
    apiKey: options.apiKey || 'unused',
    ...(options.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    // Explicit values, so the client does not pick up OPENAI_* variables.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    // A backstop only: our own timer (timeoutMs) covers the whole answer.
    timeout: options.timeoutMs * 2,
    fetch: options.fetch,
    logLevel: 'off',
  });
}

/**
 * Sends one request, on its route, within `timeoutMs`: its completion, with the token
 * counts of the server's `usage` (the request held one prompt).
 */
export async function postOne(
  client: OpenAI,
  req: PreparedRequest,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Completion> {
  if (req.messages !== undefined) {
    const messages = req.messages as ChatCompletionMessageParam[];
    const res = await withTimeout(signal, timeoutMs, (s) =>
      client.chat.completions.create(
        {
          model: req.model,
          messages,
          ...req.sampling,
          ...logprobsFields(req, '/chat/completions'),
          stream: false,
        },
        { signal: s, maxRetries: 0 },
      ),
    );
    return completionFromBody('/chat/completions', res);
  }
  const res = await withTimeout(signal, timeoutMs, (s) =>
    client.completions.create(
      {
        model: req.model,
        prompt: req.prompt,
        ...req.sampling,
        ...logprobsFields(req, '/completions'),
        stream: false,
      },
      { signal: s, maxRetries: 0 },
    ),
  );
  return completionFromBody('/completions', res);
}

/**
 * The fields asking `route` for the logprobs of a request with `topLogprobs` (none
 * without): vLLM's completions take `logprobs: k`, the chat API `logprobs: true` with
 * `top_logprobs: k`. Also what a batch file's body carries (runner/batch-files.ts).
 */
export function logprobsFields(
  req: Pick<PreparedRequest, 'topLogprobs'>,
  route: '/chat/completions',
): { logprobs?: boolean; top_logprobs?: number };
export function logprobsFields(
  req: Pick<PreparedRequest, 'topLogprobs'>,
  route: '/completions',
): { logprobs?: number };
export function logprobsFields(
  req: Pick<PreparedRequest, 'topLogprobs'>,
  route: Route,
): { logprobs?: number | boolean; top_logprobs?: number };
export function logprobsFields(
  req: Pick<PreparedRequest, 'topLogprobs'>,
  route: Route,
): { logprobs?: number | boolean; top_logprobs?: number } {
  const k = req.topLogprobs;
  if (k === undefined) return {};
  return route === '/chat/completions' ? { logprobs: true, top_logprobs: k } : { logprobs: k };
}

/**
 * The completion in the body of a one-prompt answer on `route`, read as strictly as a
 * live answer (its first choice, the counts of its `usage`): also what a batch engine's
 * output line holds (`response.body`). Throws a bad-response AttemptError otherwise.
 */
export function completionFromBody(route: Route, body: unknown): Completion {
  const choices = choicesOf(body);
  if (choices.length === 0) throw badResponse('answer without choices');
  const completion = route === '/chat/completions' ? chatCompletionOf(choices[0]) : completionOf(choices[0]);
  return { ...completion, ...usageOf(body) };
}

/**
 * One /v1/completions request with `prompt` as a list (same model and sampling, the
 * first request's); completions in the order of `reqs`, matched by choice index.
 */
export async function postBatch(
  client: OpenAI,
  reqs: readonly PreparedRequest[],
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Completion[]> {
  const first = reqs[0] as PreparedRequest;
  const res = await withTimeout(signal, timeoutMs, (s) =>
    client.completions.create(
      {
        model: first.model,
        prompt: reqs.map((r) => r.prompt),
        ...first.sampling,
        ...logprobsFields(first, '/completions'),
        stream: false,
      },
      { signal: s, maxRetries: 0 },
    ),
  );
  const choices = choicesOf(res);
  const out = new Array<Completion | undefined>(reqs.length);
  for (const choice of choices) {
    const i = (choice as { index?: unknown } | null)?.index;
    if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= reqs.length || out[i as number]) {
      const index = typeof i === 'number' ? String(i) : shape(i);
      throw badResponse(`answer with an unexpected choice index ${index} for ${reqs.length} prompts`);
    }
    // the request's usage covers all its prompts: none of them gets it (see completeBatch)
    out[i as number] = completionOf(choice);
  }
  if (choices.length !== reqs.length) {
    throw badResponse(`answer with ${choices.length} choices for ${reqs.length} prompts`);
  }
  return out as Completion[];
}

/** GET /v1/models within `timeoutMs`. */
export async function getModels(
  client: OpenAI,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<ServedModel[]> {
  const page = await withTimeout(signal, timeoutMs, (s) => client.models.list({ signal: s, maxRetries: 0 }));
  return page.data.map((m) => {
    const len = (m as { max_model_len?: unknown }).max_model_len;
    return typeof len === 'number' ? { id: m.id, maxModelLen: len } : { id: m.id };
  });
}

/** Runs `fn` with a signal that aborts on `signal` or after `ms` (then: a timeout failure). */
async function withTimeout<T>(
  signal: AbortSignal,
  ms: number,
  fn: (s: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ms);
  const off = signal.aborted ? (controller.abort(), () => {}) : onAbort(signal, () => controller.abort());
  try {
    return await fn(controller.signal);
  } catch (e) {
    if (timedOut && !signal.aborted) {
      throw new AttemptError({ kind: 'timeout', detail: `no answer within ${seconds(ms)}` });
    }
    throw e;
  } finally {
    clearTimeout(timer);
    off();
  }
}

/** A 2xx answer that is not a completion: retried as a failed attempt, never stored. */
function badResponse(detail: string): AttemptError {
  return new AttemptError({ kind: 'bad-response', detail });
}

/** What a field of an answer holds, for messages (never its content: the answer is untrusted). */
function shape(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** The `choices` of an answer; an answer without a list of them is a bad response. */
function choicesOf(res: unknown): readonly unknown[] {
  const choices = (res as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices))
    throw badResponse(`answer without a list of choices (choices: ${shape(choices)})`);
  return choices;
}

/**
 * A choice as a completion, only if the server really produced one: `text` a string
 * (empty included), `finish_reason` a string or null. Anything else (`text: null`, no
 * `text`, a number) is a bad response, retried like a 5xx, so it never becomes a stored
 * judgment that a later run would trust.
 */
function completionOf(choice: unknown): Completion {
  const c = choice as { text?: unknown } | null;
  if (typeof c !== 'object' || c === null) throw badResponse(`answer with a choice that is ${shape(c)}`);
  if (typeof c.text !== 'string')
    throw badResponse(`answer without completion text (text: ${shape(c.text)})`);
  return { text: c.text, finishReason: finishReasonOf(choice), ...logprobsOf(choice) };
}

/**
 * A chat choice as a completion, as strictly: `message.content` a string (empty
 * included). A null content (a refusal, a tool call) or none is a bad response.
 */
function chatCompletionOf(choice: unknown): Completion {
  const c = choice as { message?: unknown } | null;
  if (typeof c !== 'object' || c === null) throw badResponse(`answer with a choice that is ${shape(c)}`);
  const message = c.message as { content?: unknown } | null | undefined;
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    throw badResponse(`answer without a message (message: ${shape(message)})`);
  if (typeof message.content !== 'string')
    throw badResponse(`answer without message content (content: ${shape(message.content)})`);
  return { text: message.content, finishReason: finishReasonOf(choice), ...logprobsOf(choice) };
}

/**
 * The choice's `logprobs`, kept as sent (the judge's expected-rating reader checks what
 * it reads and never throws): absent when the server sent none.
 */
function logprobsOf(choice: unknown): Pick<Completion, 'logprobs'> {
  const logprobs = (choice as { logprobs?: unknown }).logprobs;
  return logprobs === undefined || logprobs === null ? {} : { logprobs };
}

function finishReasonOf(choice: unknown): string | null {
  const finishReason = (choice as { finish_reason?: unknown }).finish_reason ?? null;
  if (finishReason !== null && typeof finishReason !== 'string') {
    throw badResponse(`answer with an unreadable finish_reason (${shape(finishReason)})`);
  }
  return finishReason;
}

/** The token counts of a one-prompt answer: none without `usage`; unreadable ones are a bad response. */
function usageOf(res: unknown): Pick<Completion, 'promptTokens' | 'completionTokens'> {
  const usage = (res as { usage?: unknown }).usage;
  if (usage === undefined || usage === null) return {};
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Record<string, unknown>;
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!count(prompt) || !count(completion)) {
    throw badResponse('answer with unreadable usage (prompt_tokens and completion_tokens are not counts)');
  }
  return { promptTokens: prompt as number, completionTokens: completion as number };
}
