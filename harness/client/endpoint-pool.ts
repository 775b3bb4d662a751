import OpenAI from 'openai';
import { BenchError } from '../core/errors.js';
import type { Completion, PreparedRequest } from '../judge/judge.js';
import { abortReason, onAbort, sleep } from './abort.js';
import { withReadableErrors } from './error-body.js';
import { JudgeServerError, displayUrl, redactor, seconds } from './errors.js';
import { createHttpFetch, type Fetch, type HttpFetch } from './http-fetch.js';
import {
  AttemptError,
  backoffDelay,
  classifyFailure,
  describeFailure,
  endpointEffect,
  isRetryable,
  statusText,
  type AttemptFailure,
  type Backoff,
} from './retry.js';

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
  | { readonly type: 'down'; readonly endpoint: string; readonly reason: string; readonly retryInMs: number }
  | { readonly type: 'up'; readonly endpoint: string };

export type EndpointState = 'up' | 'down' | 'excluded';

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

/** A model as `/v1/models` lists it; vLLM adds `max_model_len`. */
export interface ServedModel {
  readonly id: string;
  readonly maxModelLen?: number;
}

export type EndpointProbe =
  | { readonly endpoint: string; readonly ok: true; readonly models: readonly ServedModel[] }
  | { readonly endpoint: string; readonly ok: false; readonly error: string };

export interface ProbeResult {
  readonly endpoints: readonly EndpointProbe[];
  /** the smallest `max_model_len` of the wanted model over the endpoints serving it */
  readonly maxModelLen?: number;
}

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

interface Endpoint {
  readonly label: string;
  readonly capacity: number;
  readonly client: OpenAI;
  state: EndpointState;
  inFlight: number;
  completed: number;
  failures: number;
  strikes: number;
  /** consecutive times marked down without a completion since; grows the cooldown */
  downs: number;
  retryAt: number;
  probing: boolean;
  answered: boolean;
  lastError: string | undefined;
  models: Promise<ServedModel[]> | undefined;
}

const START_HINT =
  'start one with `bench serve --model GAIR/autoj-13b` (or `vllm serve GAIR/autoj-13b --port 8000`), or pass --endpoint URL';

/**
 * Sends judge requests to one or more OpenAI-compatible servers (vLLM): raw prompts to
 * POST /v1/completions through the openai client (one per endpoint, its own retries off),
 * one prompt per request (`complete`) or several (`completeBatch`), each request to the
 * healthy endpoint with the least load (prompts in flight) for its capacity, with the
 * retry policy of retry.ts. An endpoint that stops answering is marked down, rests, is
 * probed again and meanwhile its work goes to the others; when all have been down for
 * `giveUpMs`, requests fail with a fatal JudgeServerError.
 */
export class EndpointPool {
  private readonly endpoints: Endpoint[];
  private readonly redact: (text: string) => string;
  private readonly hasKey: boolean;
  private readonly timeoutMs: number;
  private readonly probeTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: Backoff;
  private readonly cooldown: Backoff;
  private readonly maxRetryAfterMs: number;
  private readonly failureThreshold: number;
  private readonly giveUpMs: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly onEvent: ((event: PoolEvent) => void) | undefined;
  private readonly ownFetch: HttpFetch | undefined;
  private readonly life = new AbortController();
  private readonly waiters = new Set<() => void>();
  private allDownSince: number | undefined;
  private rotation = 0;
  private retries = 0;

  constructor(options: EndpointPoolOptions) {
    if (options.endpoints.length === 0) throw new BenchError('no judge endpoint given; pass --endpoint URL');
    this.redact = redactor(options.apiKey);
    this.hasKey = Boolean(options.apiKey);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 5_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.backoff = { baseMs: 500, maxMs: 8_000, ...options.backoff };
    this.cooldown = { baseMs: 1_000, maxMs: 15_000, ...options.cooldown };
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.failureThreshold = Math.max(1, options.failureThreshold ?? 5);
    this.giveUpMs = options.giveUpMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.onEvent = options.onEvent;
    if (!options.fetch) this.ownFetch = createHttpFetch({ maxSocketsPerOrigin: options.maxSocketsPerOrigin });
    const fetch = withReadableErrors(options.fetch ?? (this.ownFetch as HttpFetch).fetch);

    const seen = new Set<string>();
    this.endpoints = options.endpoints.map((spec) => {
      const { url, capacity = 1 } = typeof spec === 'string' ? { url: spec } : spec;
      const baseURL = normalizeEndpoint(url);
      if (seen.has(baseURL)) throw new BenchError(`endpoint ${displayUrl(baseURL)} is given twice`);
      seen.add(baseURL);
      if (!(capacity > 0)) throw new BenchError(`endpoint ${displayUrl(baseURL)}: capacity must be positive`);
      const client = new OpenAI({
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
        timeout: this.timeoutMs * 2,
        fetch,
        logLevel: 'off',
      });
      return {
        label: displayUrl(baseURL),
        capacity,
        client,
        state: 'up' as EndpointState,
        inFlight: 0,
        completed: 0,
        failures: 0,
        strikes: 0,
        downs: 0,
        retryAt: 0,
        probing: false,
        answered: false,
        lastError: undefined,
        models: undefined,
      };
    });
  }

  /** The endpoints, normalized (`/v1` added when the URL has no path), credentials removed. */
  get urls(): string[] {
    return this.endpoints.map((e) => e.label);
  }

  /**
   * Asks every endpoint for its models (GET /v1/models, short timeout). Unreachable ones are
   * marked down (probed again later); with `model`, endpoints that do not serve it are left
   * out. Throws a fatal JudgeServerError when none answers, when the key is refused, or when
   * no endpoint serves `model`.
   */
  async probe(signal: AbortSignal, model?: string): Promise<ProbeResult> {
    const results = await Promise.all(
      this.endpoints.map(async (ep): Promise<EndpointProbe> => {
        try {
          const models = await this.listModels(ep, signal);
          if (ep.state === 'excluded') ep.state = 'up';
          ep.answered = true;
          ep.models = Promise.resolve(models);
          this.markUp(ep);
          return { endpoint: ep.label, ok: true, models };
        } catch (e) {
          if (signal.aborted) throw abortReason(signal);
          const failure = classifyFailure(e, this.now());
          if (failure.kind === 'unauthorized') throw this.unauthorized(ep, failure);
          ep.lastError = this.redact(describeFailure(failure));
          if (failure.kind === 'not-found')
            ep.lastError += ' for GET /models: is it the OpenAI API base, e.g. .../v1?';
          this.markDown(ep, ep.lastError);
          return { endpoint: ep.label, ok: false, error: ep.lastError };
        }
      }),
    );
    const answered = results.filter((r) => r.ok);
    if (answered.length === 0) {
      const where = results.map((r) => `${r.endpoint} (${r.ok ? 'ok' : r.error})`).join(', ');
      const hint = model ? START_HINT.replaceAll('GAIR/autoj-13b', model) : START_HINT;
      throw new JudgeServerError('unreachable', `no judge server answers at ${where}; ${hint}`);
    }
    if (model === undefined) return { endpoints: results };

    let maxModelLen: number | undefined;
    let serving = 0;
    for (const [i, r] of results.entries()) {
      if (!r.ok) continue;
      const found = r.models.find((m) => m.id === model);
      const ep = this.endpoints[i] as Endpoint;
      if (!found) {
        ep.state = 'excluded';
        ep.lastError = `does not serve ${model}`;
        continue;
      }
      serving++;
      if (found.maxModelLen !== undefined) maxModelLen = Math.min(maxModelLen ?? Infinity, found.maxModelLen);
    }
    this.updateAllDown();
    if (serving === 0) {
      const served = answered
        .map((r) => `${r.endpoint} serves ${modelList(r.ok ? r.models : [])}`)
        .join('; ');
      throw new JudgeServerError(
        'model-not-found',
        `no judge server serves model "${model}": ${served}; start one with \`bench serve --model ${model}\` or pass the endpoint that serves it`,
      );
    }
    return maxModelLen === undefined ? { endpoints: results } : { endpoints: results, maxModelLen };
  }

  /**
   * Sends one request, retrying per the policy (on another endpoint when one is up).
   * Rejects with `signal.reason` when aborted, with a JudgeServerError otherwise.
   */
  async complete(req: PreparedRequest, signal: AbortSignal): Promise<PooledCompletion> {
    const done = await this.attempts(1, signal, (ep, s) => this.send(ep, req, s), req.model);
    return { ...done.value, endpoint: done.endpoint, latencyMs: done.latencyMs, attempts: done.attempts };
  }

  /**
   * Sends several prompts (same model and sampling) in one request, `prompt` as a list,
   * as vLLM's /v1/completions accepts, and answers `outcomes[i]` for `reqs[i]` (matched by
   * `choices[].index`). The request is retried as a whole per the policy; its load on an
   * endpoint is its number of prompts. A refused request (400: a prompt too long for the
   * context, ...) is split and its prompts sent one by one, so the refusal lands on the
   * prompt it concerns. A request that fails until the attempt limit gives every prompt
   * that error.
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
    const alike = reqs.every((r) => r.model === first.model && sameSampling(r.sampling, first.sampling));
    if (reqs.length === 1 || !alike) return this.oneByOne(reqs, signal);
    let done: Attempted<Completion[]>;
    try {
      done = await this.attempts(reqs.length, signal, (ep, s) => this.sendBatch(ep, reqs, s), first.model);
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

  /**
   * The attempt loop shared by single and batch requests: picks an endpoint (counting
   * `weight` prompts in flight there), sends, classifies failures, retries per the policy.
   */
  private async attempts<T>(
    weight: number,
    signal: AbortSignal,
    send: (ep: Endpoint, signal: AbortSignal) => Promise<T>,
    model: string,
  ): Promise<Attempted<T>> {
    let avoid: Endpoint | undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw abortReason(signal);
      // pick() counts the request in flight at once, so that a burst of requests spreads
      const ep = this.pick(avoid, weight) ?? (await this.acquire(signal, avoid, weight));
      const started = performance.now();
      let failure: AttemptFailure;
      try {
        const value = await send(ep, signal);
        ep.inFlight -= weight;
        this.succeeded(ep, weight);
        return {
          value,
          endpoint: ep.label,
          latencyMs: performance.now() - started,
          attempts: attempt,
        };
      } catch (e) {
        ep.inFlight -= weight;
        if (signal.aborted) throw abortReason(signal);
        failure = classifyFailure(e, this.now());
      }
      this.failed(ep, failure);
      if (!isRetryable(failure.kind)) throw await this.finalError(ep, failure, model, signal);
      if (attempt >= this.maxAttempts) {
        throw new JudgeServerError(
          'exhausted',
          `judge request failed after ${attempt} attempts; last: ${ep.label}: ${this.redact(describeFailure(failure))}`,
          {
            endpoint: ep.label,
            ...(failure.status === undefined ? {} : { status: failure.status }),
            cause: this.safeCause(failure),
          },
        );
      }
      this.retries++;
      const delayMs = this.retryDelay(ep, failure, attempt);
      this.onEvent?.({
        type: 'retry',
        endpoint: ep.label,
        attempt,
        delayMs,
        reason: this.redact(describeFailure(failure)),
      });
      if (delayMs > 0) await sleep(delayMs, signal);
      avoid = ep;
    }
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
    return { retries: this.retries, inFlight, endpoints };
  }

  /** Stops background probes and closes kept-alive connections. */
  close(): void {
    this.life.abort();
    this.ownFetch?.close();
    for (const wake of [...this.waiters]) wake();
  }

  // ---- sending ----

  private async send(ep: Endpoint, req: PreparedRequest, signal: AbortSignal): Promise<Completion> {
    const res = await this.withTimeout(signal, this.timeoutMs, (s) =>
      ep.client.completions.create(
        { model: req.model, prompt: req.prompt, ...req.sampling, stream: false },
        { signal: s, maxRetries: 0 },
      ),
    );
    const choices = choicesOf(res);
    if (choices.length === 0) throw badResponse('answer without choices');
    return { ...completionOf(choices[0]), ...usageOf(res) };
  }

  /** One request with `prompt` as a list; completions in the order of `reqs`, by choice index. */
  private async sendBatch(
    ep: Endpoint,
    reqs: readonly PreparedRequest[],
    signal: AbortSignal,
  ): Promise<Completion[]> {
    const first = reqs[0] as PreparedRequest;
    const res = await this.withTimeout(signal, this.timeoutMs, (s) =>
      ep.client.completions.create(
        { model: first.model, prompt: reqs.map((r) => r.prompt), ...first.sampling, stream: false },
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

  private async listModels(ep: Endpoint, signal: AbortSignal): Promise<ServedModel[]> {
    const page = await this.withTimeout(signal, this.probeTimeoutMs, (s) =>
      ep.client.models.list({ signal: s, maxRetries: 0 }),
    );
    return page.data.map((m) => {
      const len = (m as { max_model_len?: unknown }).max_model_len;
      return typeof len === 'number' ? { id: m.id, maxModelLen: len } : { id: m.id };
    });
  }

  /** Runs `fn` with a signal that aborts on `signal` or after `ms` (then: a timeout failure). */
  private async withTimeout<T>(
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

  // ---- choosing an endpoint ----

  /** Waits until an endpoint is up and picks it (see pick). */
  private async acquire(signal: AbortSignal, avoid: Endpoint | undefined, weight: number): Promise<Endpoint> {
    for (;;) {
      const ep = this.pick(avoid, weight);
      if (ep) return ep;
      if (this.life.signal.aborted) throw new BenchError('the endpoint pool is closed');
      const now = this.now();
      const since = this.allDownSince ?? now;
      if (now - since >= this.giveUpMs || this.endpoints.every((e) => e.state === 'excluded')) {
        throw this.unreachable();
      }
      let wakeAt = since + this.giveUpMs;
      for (const e of this.endpoints) {
        if (e.state === 'down' && !e.probing) wakeAt = Math.min(wakeAt, e.retryAt);
      }
      await this.waitForChange(Math.max(1, wakeAt - now), signal);
    }
  }

  /**
   * The up endpoint with the least load for its capacity (ties: round robin), `avoid`
   * only when no other is up; counts the request's `weight` prompts in flight there.
   * Starts the probe of down endpoints whose rest is over.
   */
  private pick(avoid: Endpoint | undefined, weight: number): Endpoint | undefined {
    const n = this.endpoints.length;
    const start = this.rotation++ % n;
    const now = this.now();
    let best: Endpoint | undefined;
    let bestLoad = Infinity;
    let fallback: Endpoint | undefined;
    for (let i = 0; i < n; i++) {
      const ep = this.endpoints[(start + i) % n] as Endpoint;
      if (ep.state === 'down' && !ep.probing && now >= ep.retryAt) this.probeAgain(ep);
      if (ep.state !== 'up') continue;
      if (ep === avoid) {
        fallback = ep;
        continue;
      }
      const load = (ep.inFlight + weight) / ep.capacity;
      if (load < bestLoad) {
        best = ep;
        bestLoad = load;
      }
    }
    const chosen = best ?? fallback;
    if (chosen) chosen.inFlight += weight;
    return chosen;
  }

  /** After its cooldown, a down endpoint is asked for its models; if it answers, it is up. */
  private probeAgain(ep: Endpoint): void {
    ep.probing = true;
    this.listModels(ep, this.life.signal).then(
      (models) => {
        ep.probing = false;
        ep.answered = true;
        ep.models = Promise.resolve(models);
        this.markUp(ep);
      },
      (e: unknown) => {
        ep.probing = false;
        if (this.life.signal.aborted) return;
        const reason = this.redact(describeFailure(classifyFailure(e, this.now())));
        ep.lastError = reason;
        this.markDown(ep, reason, true);
        this.notify();
      },
    );
  }

  // ---- endpoint health ----

  private succeeded(ep: Endpoint, prompts: number): void {
    ep.completed += prompts;
    ep.strikes = 0;
    ep.downs = 0;
    ep.answered = true;
    if (ep.state === 'down') this.markUp(ep);
  }

  private failed(ep: Endpoint, failure: AttemptFailure): void {
    ep.failures++;
    ep.lastError = this.redact(describeFailure(failure));
    const effect = endpointEffect(failure.kind);
    if (effect === 'down' || (effect === 'strike' && ++ep.strikes >= this.failureThreshold)) {
      this.markDown(ep, ep.lastError);
    }
  }

  /** `again`: a probe of a down endpoint failed, so its rest starts over, longer. */
  private markDown(ep: Endpoint, reason: string, again = false): void {
    // Already down: failures of requests sent before do not extend the rest.
    if (ep.state === 'excluded' || (ep.state === 'down' && !again)) return;
    ep.state = 'down';
    ep.strikes = 0;
    ep.downs++;
    const retryInMs = Math.min(this.cooldown.maxMs, this.cooldown.baseMs * 2 ** (ep.downs - 1));
    ep.retryAt = this.now() + retryInMs;
    this.updateAllDown();
    this.onEvent?.({ type: 'down', endpoint: ep.label, reason, retryInMs });
  }

  private markUp(ep: Endpoint): void {
    if (ep.state !== 'down') return;
    ep.state = 'up';
    ep.strikes = 0;
    this.updateAllDown();
    this.onEvent?.({ type: 'up', endpoint: ep.label });
    this.notify();
  }

  private updateAllDown(): void {
    const anyUp = this.endpoints.some((e) => e.state === 'up');
    if (anyUp) this.allDownSince = undefined;
    else this.allDownSince ??= this.now();
  }

  private retryDelay(ep: Endpoint, failure: AttemptFailure, attempt: number): number {
    const elsewhere = this.endpoints.some((e) => e !== ep && e.state === 'up');
    // Its endpoint is down and another is up: go there now.
    if (elsewhere && ep.state !== 'up') return 0;
    const after = failure.retryAfterMs;
    // Retry-After speaks for the server that sent it: honour it unless going elsewhere.
    if (after !== undefined && after <= this.maxRetryAfterMs && !elsewhere) return after;
    return backoffDelay(attempt, this.backoff, this.random);
  }

  // ---- waiting ----

  private waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const done = () => {
        clearTimeout(timer);
        off();
        this.waiters.delete(done);
        resolve();
      };
      const off = onAbort(signal, () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        reject(abortReason(signal));
      });
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  // ---- errors ----

  private unreachable(): JudgeServerError {
    const down = this.endpoints.filter((e) => e.state !== 'excluded');
    const window = seconds(this.giveUpMs);
    if (down.length === 1) {
      const ep = down[0] as Endpoint;
      const verb = ep.answered ? 'stopped answering' : 'does not answer';
      return new JudgeServerError(
        'unreachable',
        `judge server at ${ep.label} ${verb} (${ep.lastError ?? 'no answer'}) for ${window}; is it still running? ` +
          `Check its log (bench serve writes .bench/vllm.log), or ${START_HINT}`,
        { endpoint: ep.label },
      );
    }
    const list = down.map((e) => `${e.label} (${e.lastError ?? 'no answer'})`).join(', ');
    return new JudgeServerError(
      'unreachable',
      `all ${down.length} judge servers stopped answering for ${window}: ${list}; check that they are running, or ${START_HINT}`,
    );
  }

  private unauthorized(ep: Endpoint, failure: AttemptFailure): JudgeServerError {
    const status = failure.status ?? 401;
    const problem = this.hasKey
      ? 'the API key given (--api-key or $BENCH_API_KEY) is wrong; pass the key the server was started with'
      : 'it requires an API key; pass the key the server was started with as --api-key or $BENCH_API_KEY';
    return new JudgeServerError(
      'unauthorized',
      `judge server at ${ep.label} answered ${statusText(status)}: ${problem}`,
      {
        endpoint: ep.label,
        status,
      },
    );
  }

  private async finalError(
    ep: Endpoint,
    failure: AttemptFailure,
    model: string,
    signal: AbortSignal,
  ): Promise<JudgeServerError> {
    const status = failure.status;
    if (failure.kind === 'unauthorized') return this.unauthorized(ep, failure);
    if (failure.kind === 'not-found') {
      let models: ServedModel[] | undefined;
      try {
        ep.models ??= this.listModels(ep, signal);
        models = await ep.models;
      } catch {
        ep.models = undefined;
        if (signal.aborted) throw abortReason(signal);
      }
      const message =
        models && !models.some((m) => m.id === model)
          ? `judge server at ${ep.label} does not serve model "${model}"; it serves ${modelList(models)} ` +
            `(start it with --served-model-name ${model}, as bench serve does, or judge with a served model)`
          : `judge server at ${ep.label} answered ${describeFailure(failure)} for POST /completions; ` +
            `is the URL right? It should be the server's OpenAI API base, e.g. http://127.0.0.1:8000/v1`;
      return new JudgeServerError('model-not-found', this.redact(message), {
        endpoint: ep.label,
        ...(status === undefined ? {} : { status }),
      });
    }
    return new JudgeServerError(
      'rejected',
      `judge server at ${ep.label} rejected the request (${this.redact(describeFailure(failure))})`,
      { endpoint: ep.label, ...(status === undefined ? {} : { status }), cause: this.safeCause(failure) },
    );
  }

  /** The failure's cause with the key removed from its message (for --verbose output). */
  private safeCause(failure: AttemptFailure): Error {
    const inner = failure.cause instanceof Error ? failure.cause.message : describeFailure(failure);
    return new Error(this.redact(inner));
  }
}

/** `http://host:8000` -> `http://host:8000/v1`; trailing slashes removed. */
export function normalizeEndpoint(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new BenchError(
      `endpoint "${displayUrl(url)}" is not a URL; expected e.g. http://127.0.0.1:8000/v1`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new BenchError(
      `endpoint ${displayUrl(url)} is not an http(s) URL; expected e.g. http://127.0.0.1:8000/v1`,
    );
  }
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1';
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

interface Attempted<T> {
  readonly value: T;
  /** the endpoint that answered, credentials removed */
  readonly endpoint: string;
  /** duration of the successful attempt */
  readonly latencyMs: number;
  /** attempts made, the successful one included */
  readonly attempts: number;
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
  const c = choice as { text?: unknown; finish_reason?: unknown } | null;
  if (typeof c !== 'object' || c === null) throw badResponse(`answer with a choice that is ${shape(c)}`);
  if (typeof c.text !== 'string')
    throw badResponse(`answer without completion text (text: ${shape(c.text)})`);
  const finishReason = c.finish_reason ?? null;
  if (finishReason !== null && typeof finishReason !== 'string') {
    throw badResponse(`answer with an unreadable finish_reason (${shape(finishReason)})`);
  }
  return { text: c.text, finishReason };
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

function sameSampling(a: PreparedRequest['sampling'], b: PreparedRequest['sampling']): boolean {
  return a === b || (a.temperature === b.temperature && a.top_p === b.top_p && a.max_tokens === b.max_tokens);
}

function modelList(models: readonly ServedModel[]): string {
  return models.length === 0 ? 'no model' : models.map((m) => `"${m.id}"`).join(', ');
}
