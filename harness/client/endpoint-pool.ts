import type { Completion, PreparedRequest } from '../judge/judge.js';
import { sameSampling } from '../judge/key.js';
import { abortReason } from './abort.js';
import { AttemptLoop, type Attempted } from './attempts.js';
import { Balancer } from './balance.js';
import { withReadableErrors } from './error-body.js';
import { JudgeServerError, displayUrl, redactor } from './errors.js';
import {
  EndpointHealth,
  newEndpoint,
  type Endpoint,
  type EndpointProbe,
  type EndpointState,
  type HealthEvent,
} from './health.js';
import { createHttpFetch, type Fetch, type HttpFetch } from './http-fetch.js';
import {
  badCapacity,
  givenTwice,
  modelsNotFound,
  noEndpoint,
  noneAnswers,
  notAUrl,
  notHttp,
  notServedAnywhere,
  servesAnother,
  unauthorized,
} from './messages.js';
import { classifyFailure, describeFailure, type Backoff } from './retry.js';
import { createClient, getModels, postBatch, postOne, routeOf, type ServedModel } from './wire.js';

export type { EndpointProbe, EndpointState, ServedModel };

/**
 * The default per-attempt timeout: it must fit a 1,024-token answer under load, which is
 * mostly the wait in the server's queue. vllm-sim models Auto-J 13B on an A100 (64
 * sequences decoded together, ~30 ms a step) and answers 3.9 judgments/s there; with the
 * CLI's 512 prompts in flight per endpoint a prompt spends 512 / 3.9 = ~130 s in the server
 * (Little's law), one of 1,024 tokens ~150 s (its own generation is ~30 s of it), and a
 * request of 8 prompts waits for its slowest. 300 s is twice that; a hung request costs 5
 * minutes, not 10, and the progress display shows it long before (runner/waits.ts). Raise it
 * (--request-timeout) for a slower GPU or a longer queue.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/** An endpoint: the server's OpenAI API base URL, e.g. `http://127.0.0.1:8000/v1`. */
export interface EndpointSpec {
  readonly url: string;
  /** relative capacity (e.g. GPUs behind it); load is spread in proportion. Default 1. */
  readonly capacity?: number;
}

export interface EndpointPoolOptions {
  readonly endpoints: readonly (string | EndpointSpec)[];
  /** sent as `Authorization: Bearer`; never logged, never in errors or results */
  readonly apiKey?: string;
  /** default: a keep-alive node:http fetch owned by the pool (see http-fetch.ts) */
  readonly fetch?: Fetch;
  /** per attempt, until the whole answer is in; default DEFAULT_REQUEST_TIMEOUT_MS (300 s) */
  readonly timeoutMs?: number;
  /** GET /v1/models when probing; default 5 s */
  readonly probeTimeoutMs?: number;
  /** attempts per request, the first included; default 6 */
  readonly maxAttempts?: number;
  /** retry delays; default 0.5 s doubling to 8 s, with jitter */
  readonly backoff?: Partial<Backoff>;
  /** longest Retry-After honoured; longer ones fall back to the backoff. Default 60 s */
  readonly maxRetryAfterMs?: number;
  /** how long a down endpoint rests before it is probed; default 1 s doubling to 15 s */
  readonly cooldown?: Partial<Backoff>;
  /** consecutive failures (resets, timeouts, 5xx) that mark an endpoint down; default 5 */
  readonly failureThreshold?: number;
  /** when every endpoint has been down this long, requests fail; default 60 s */
  readonly giveUpMs?: number;
  /** connections per server for the default fetch; default unbounded */
  readonly maxSocketsPerOrigin?: number;
  readonly random?: () => number;
  readonly now?: () => number;
  /** retries and endpoint state changes, for progress displays and logs (key-free) */
  readonly onEvent?: (event: PoolEvent) => void;
}

export type PoolEvent =
  | {
      readonly type: 'retry';
      readonly endpoint: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | HealthEvent;

export interface EndpointStats {
  readonly endpoint: string;
  readonly state: EndpointState;
  readonly capacity: number;
  /** prompts in flight (a batch request counts each of its prompts) */
  readonly inFlight: number;
  /** prompts completed */
  readonly completed: number;
  /** failed attempts (each retry of a request counts) */
  readonly failures: number;
  readonly lastError?: string;
}

export interface PoolStats {
  /** attempts after the first, over all HTTP requests (a batch retried once counts once) */
  readonly retries: number;
  /** prompts in flight */
  readonly inFlight: number;
  readonly endpoints: readonly EndpointStats[];
}

export interface ProbeResult {
  readonly endpoints: readonly EndpointProbe[];
  /** the model ids the answering endpoints list, each once, in the order listed */
  readonly served: readonly string[];
  /** the model wanted (or chosen from `served`), when one was */
  readonly model?: string;
  /** the smallest `max_model_len` of the wanted model over the endpoints serving it */
  readonly maxModelLen?: number;
}

/**
 * Picks the judge model from the ids the endpoints serve, for a judge that leaves its
 * model open (e.g. the one model listed; see resolveJudgeModel in judge/generative);
 * may throw, and the probe then rejects with that error.
 */
export type ModelChoice = (served: readonly string[]) => string;

export type PooledCompletion = Completion & {
  /** the endpoint that answered, credentials removed */
  readonly endpoint: string;
  /** duration of the successful attempt (of the whole request, for a prompt sent in a batch) */
  readonly latencyMs: number;
  /** attempts made, the successful one included */
  readonly attempts: number;
};

/** What became of one prompt of a batch: its completion, or the error that concerns it alone. */
export type BatchOutcome =
  | { readonly ok: true; readonly completion: PooledCompletion }
  | { readonly ok: false; readonly error: JudgeServerError };

/**
 * Sends judge requests to one or more OpenAI-compatible servers (vLLM): raw prompts to
 * POST /v1/completions, chat messages to POST /v1/chat/completions (wire.ts), one prompt
 * per request (`complete`) or several (`completeBatch`), each request to the healthy
 * endpoint with the least load (prompts in flight) for its capacity (balance.ts), with
 * the retry policy of retry.ts (attempts.ts). An endpoint that stops answering is marked
 * down, rests, is probed again and meanwhile its work goes to the others (health.ts);
 * when all have been down for `giveUpMs`, requests fail with a fatal JudgeServerError.
 * Errors say what is wrong in the server's terms (messages.ts).
 */
export class EndpointPool {
  private readonly endpoints: Endpoint[];
  private readonly health: EndpointHealth;
  private readonly attempts: AttemptLoop;
  private readonly redact: (text: string) => string;
  private readonly hasKey: boolean;
  private readonly timeoutMs: number;
  private readonly probeTimeoutMs: number;
  private readonly now: () => number;
  private readonly ownFetch: HttpFetch | undefined;
  private readonly life = new AbortController();

  constructor(options: EndpointPoolOptions) {
    if (options.endpoints.length === 0) throw noEndpoint();
    this.redact = redactor(options.apiKey);
    this.hasKey = Boolean(options.apiKey);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 5_000;
    this.now = options.now ?? Date.now;
    const onEvent = options.onEvent;
    if (!options.fetch) this.ownFetch = createHttpFetch({ maxSocketsPerOrigin: options.maxSocketsPerOrigin });
    const fetch = withReadableErrors(options.fetch ?? (this.ownFetch as HttpFetch).fetch);

    const seen = new Set<string>();
    this.endpoints = options.endpoints.map((spec) => {
      const { url, capacity = 1 } = typeof spec === 'string' ? { url: spec } : spec;
      const baseURL = normalizeEndpoint(url);
      if (seen.has(baseURL)) throw givenTwice(displayUrl(baseURL));
      seen.add(baseURL);
      if (!(capacity > 0)) throw badCapacity(displayUrl(baseURL));
      const client = createClient(baseURL, { apiKey: options.apiKey, timeoutMs: this.timeoutMs, fetch });
      return newEndpoint(displayUrl(baseURL), capacity, client);
    });
    const listModels = (ep: Endpoint, signal: AbortSignal) => this.listModels(ep, signal);
    this.health = new EndpointHealth(this.endpoints, {
      cooldown: { baseMs: 1_000, maxMs: 15_000, ...options.cooldown },
      failureThreshold: Math.max(1, options.failureThreshold ?? 5),
      listModels,
      life: this.life.signal,
      redact: this.redact,
      now: this.now,
      onEvent,
    });
    const balancer = new Balancer(this.health, {
      giveUpMs: options.giveUpMs ?? 60_000,
      life: this.life.signal,
      now: this.now,
    });
    this.attempts = new AttemptLoop(this.health, balancer, {
      maxAttempts: Math.max(1, options.maxAttempts ?? 6),
      backoff: { baseMs: 500, maxMs: 8_000, ...options.backoff },
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      random: options.random ?? Math.random,
      now: this.now,
      redact: this.redact,
      keyGiven: this.hasKey,
      listModels,
      onRetry: onEvent && ((retry) => onEvent({ type: 'retry', ...retry })),
    });
  }

  /** The endpoints, normalized (`/v1` added when the URL has no path), credentials removed. */
  get urls(): string[] {
    return this.endpoints.map((e) => e.label);
  }

  /**
   * Asks every endpoint for its models (GET /v1/models, short timeout). Unreachable ones are
   * marked down (probed again later). With `model` (a name, or a choice from the ids
   * served, for a judge that leaves its model open), endpoints that do not serve it are
   * left out. Throws a fatal JudgeServerError when none answers, when the key is refused,
   * or when no endpoint serves the model.
   */
  async probe(signal: AbortSignal, model?: string | ModelChoice): Promise<ProbeResult> {
    const results = await Promise.all(
      this.endpoints.map(async (ep): Promise<EndpointProbe> => {
        try {
          const models = await this.listModels(ep, signal);
          this.health.answeredProbe(ep, models);
          return { endpoint: ep.label, ok: true, models };
        } catch (e) {
          if (signal.aborted) throw abortReason(signal);
          const failure = classifyFailure(e, this.now());
          if (failure.kind === 'unauthorized') throw unauthorized(ep.label, failure, this.hasKey);
          ep.lastError = this.redact(describeFailure(failure));
          if (failure.kind === 'not-found') ep.lastError = modelsNotFound(ep.lastError);
          this.health.markDown(ep, ep.lastError);
          return { endpoint: ep.label, ok: false, error: ep.lastError };
        }
      }),
    );
    const answered = results.filter((r) => r.ok);
    const wanted = typeof model === 'function' ? undefined : model;
    if (answered.length === 0) throw noneAnswers(results, wanted);
    const served = [...new Set(answered.flatMap((r) => (r.ok ? r.models.map((m) => m.id) : [])))];
    if (model === undefined) return { endpoints: results, served };
    const chosen = typeof model === 'function' ? model(served) : model;

    let maxModelLen: number | undefined;
    let serving = 0;
    for (const [i, r] of results.entries()) {
      if (!r.ok) continue;
      const found = r.models.find((m) => m.id === chosen);
      const ep = this.endpoints[i] as Endpoint;
      if (!found) {
        this.health.exclude(ep, servesAnother(chosen));
        continue;
      }
      serving++;
      if (found.maxModelLen !== undefined) maxModelLen = Math.min(maxModelLen ?? Infinity, found.maxModelLen);
    }
    this.health.updateAllDown();
    if (serving === 0) throw notServedAnywhere(chosen, answered);
    const result = { endpoints: results, served, model: chosen };
    return maxModelLen === undefined ? result : { ...result, maxModelLen };
  }

  /**
   * Sends one request (to /v1/chat/completions when it holds `messages`), retrying per
   * the policy (on another endpoint when one is up). Rejects with `signal.reason` when
   * aborted, with a JudgeServerError otherwise.
   */
  async complete(req: PreparedRequest, signal: AbortSignal): Promise<PooledCompletion> {
    const job = { weight: 1, model: req.model, route: routeOf(req) };
    const done = await this.attempts.run(job, signal, (ep, s) => postOne(ep.client, req, s, this.timeoutMs));
    return { ...done.value, endpoint: done.endpoint, latencyMs: done.latencyMs, attempts: done.attempts };
  }

  /**
   * Sends several prompts (same model and sampling) in one request, `prompt` as a list,
   * as vLLM's /v1/completions accepts, and answers `outcomes[i]` for `reqs[i]` (matched by
   * `choices[].index`). The request is retried as a whole per the policy; its load on an
   * endpoint is its number of prompts. A refused request (400: a prompt too long for the
   * context, ...) is split and its prompts sent one by one, so the refusal lands on the
   * prompt it concerns. A request that fails until the attempt limit gives every prompt
   * that error. Chat requests (the chat API takes no list), and prompts for different
   * models or sampling, go one per request, all at once.
   *
   * Token counts: the server's `usage` covers the whole request, so a prompt sent with
   * others gets none from here (never a share of the total; the runner has the judge count
   * them).
   *
   * Rejects only when aborted (`signal.reason`) or on a fatal JudgeServerError (no
   * endpoint answers, key refused, model not served), which no other request escapes.
   */
  async completeBatch(reqs: readonly PreparedRequest[], signal: AbortSignal): Promise<BatchOutcome[]> {
    const first = reqs[0];
    if (!first) return [];
    const alike = reqs.every(
      (r) =>
        r.messages === undefined &&
        r.model === first.model &&
        r.topLogprobs === first.topLogprobs &&
        sameSampling(r.sampling, first.sampling),
    );
    if (reqs.length === 1 || !alike) return this.oneByOne(reqs, signal);
    let done: Attempted<Completion[]>;
    try {
      const job = { weight: reqs.length, model: first.model, route: '/completions' as const };
      done = await this.attempts.run(job, signal, (ep, s) => postBatch(ep.client, reqs, s, this.timeoutMs));
    } catch (e) {
      if (!(e instanceof JudgeServerError) || e.fatal) throw e;
      // refused (400: one prompt too long, ...): find out which, one by one
      if (e.kind === 'rejected') return this.oneByOne(reqs, signal);
      return reqs.map(() => ({ ok: false, error: e }));
    }
    const { endpoint, latencyMs, attempts } = done;
    return done.value.map((c) => ({ ok: true, completion: { ...c, endpoint, latencyMs, attempts } }));
  }

  /** Each prompt in its own request, at once; per-prompt errors as outcomes. */
  private oneByOne(reqs: readonly PreparedRequest[], signal: AbortSignal): Promise<BatchOutcome[]> {
    return Promise.all(
      reqs.map((r) =>
        this.complete(r, signal).then(
          (completion): BatchOutcome => ({ ok: true, completion }),
          (e: unknown): BatchOutcome => {
            if (e instanceof JudgeServerError && !e.fatal) return { ok: false, error: e };
            throw e;
          },
        ),
      ),
    );
  }

  stats(): PoolStats {
    let inFlight = 0;
    const endpoints = this.endpoints.map((ep) => {
      inFlight += ep.inFlight;
      return {
        endpoint: ep.label,
        state: ep.state,
        capacity: ep.capacity,
        inFlight: ep.inFlight,
        completed: ep.completed,
        failures: ep.failures,
        ...(ep.lastError === undefined ? {} : { lastError: ep.lastError }),
      };
    });
    return { retries: this.attempts.retries, inFlight, endpoints };
  }

  /** Stops background probes and closes kept-alive connections. */
  close(): void {
    this.life.abort();
    this.ownFetch?.close();
    this.health.wakeAll();
  }

  private listModels(ep: Endpoint, signal: AbortSignal): Promise<ServedModel[]> {
    return getModels(ep.client, signal, this.probeTimeoutMs);
  }
}

/** `http://host:8000` -> `http://host:8000/v1`; trailing slashes removed. */
export function normalizeEndpoint(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw notAUrl(url);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw notHttp(url);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1';
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}
