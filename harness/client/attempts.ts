import { abortReason, sleep } from './abort.js';
import type { Balancer } from './balance.js';
import type { JudgeServerError } from './errors.js';
import type { Endpoint, EndpointHealth } from './health.js';
import { exhausted, notFound, rejected, unauthorized } from './messages.js';
import {
  backoffDelay,
  classifyFailure,
  describeFailure,
  isRetryable,
  type AttemptFailure,
  type Backoff,
} from './retry.js';
import type { Route, ServedModel } from './wire.js';

/**
 * The attempt loop shared by single and batch requests: picks an endpoint, sends,
 * classifies the failure, and retries per the policy of retry.ts (at once on another
 * endpoint when its own is down, after Retry-After when the server names one, else
 * after the backoff) until the attempt limit; a failure that is not retryable, or the
 * last one, becomes the request's JudgeServerError.
 */

export interface AttemptPolicy {
  /** attempts per request, the first included */
  readonly maxAttempts: number;
  /** retry delays */
  readonly backoff: Backoff;
  /** longest Retry-After honoured; longer ones fall back to the backoff */
  readonly maxRetryAfterMs: number;
  readonly random: () => number;
  readonly now: () => number;
  readonly redact: (text: string) => string;
  /** whether requests carry an API key (for a refusal's error) */
  readonly keyGiven: boolean;
  /** GET /v1/models of an endpoint (to tell an unknown model from a wrong URL) */
  readonly listModels: (ep: Endpoint, signal: AbortSignal) => Promise<ServedModel[]>;
  readonly onRetry:
    ((retry: { endpoint: string; attempt: number; delayMs: number; reason: string }) => void) | undefined;
}

/** What a request is, for the loop: its load on an endpoint and what its errors name. */
export interface Job {
  /** prompts it carries: its load on the endpoint it goes to */
  readonly weight: number;
  readonly model: string;
  readonly route: Route;
}

export interface Attempted<T> {
  readonly value: T;
  /** the endpoint that answered, credentials removed */
  readonly endpoint: string;
  /** duration of the successful attempt */
  readonly latencyMs: number;
  /** attempts made, the successful one included */
  readonly attempts: number;
}

export class AttemptLoop {
  /** attempts after the first, over all requests */
  retries = 0;

  constructor(
    private readonly health: EndpointHealth,
    private readonly balancer: Balancer,
    private readonly policy: AttemptPolicy,
  ) {}

  /**
   * Sends `job` until it succeeds or fails for good. Rejects with `signal.reason` when
   * aborted, with a JudgeServerError otherwise.
   */
  async run<T>(
    job: Job,
    signal: AbortSignal,
    send: (ep: Endpoint, signal: AbortSignal) => Promise<T>,
  ): Promise<Attempted<T>> {
    const { weight } = job;
    let avoid: Endpoint | undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw abortReason(signal);
      // pick() counts the request in flight at once, so that a burst of requests spreads
      const ep =
        this.balancer.pick(avoid, weight) ?? (await this.balancer.acquire(signal, avoid, weight, job.model));
      const started = performance.now();
      let failure: AttemptFailure;
      try {
        const value = await send(ep, signal);
        ep.inFlight -= weight;
        this.health.succeeded(ep, weight);
        return {
          value,
          endpoint: ep.label,
          latencyMs: performance.now() - started,
          attempts: attempt,
        };
      } catch (e) {
        ep.inFlight -= weight;
        if (signal.aborted) throw abortReason(signal);
        failure = classifyFailure(e, this.policy.now());
      }
      this.health.failed(ep, failure);
      if (!isRetryable(failure.kind)) throw await this.finalError(ep, failure, job, signal);
      if (attempt >= this.policy.maxAttempts) throw exhausted(ep.label, attempt, failure, this.policy.redact);
      this.retries++;
      const delayMs = this.retryDelay(ep, failure, attempt);
      this.policy.onRetry?.({
        endpoint: ep.label,
        attempt,
        delayMs,
        reason: this.policy.redact(describeFailure(failure)),
      });
      if (delayMs > 0) await sleep(delayMs, signal);
      avoid = ep;
    }
  }

  private retryDelay(ep: Endpoint, failure: AttemptFailure, attempt: number): number {
    const elsewhere = this.health.upElsewhere(ep);
    // Its endpoint is down and another is up: go there now.
    if (elsewhere && ep.state !== 'up') return 0;
    const after = failure.retryAfterMs;
    // Retry-After speaks for the server that sent it: honour it unless going elsewhere.
    if (after !== undefined && after <= this.policy.maxRetryAfterMs && !elsewhere) return after;
    return backoffDelay(attempt, this.policy.backoff, this.policy.random);
  }

  /** The error of a failure that is not retried: a refused key, a 404, a refusal (4xx). */
  private async finalError(
    ep: Endpoint,
    failure: AttemptFailure,
    job: Job,
    signal: AbortSignal,
  ): Promise<JudgeServerError> {
    const { redact } = this.policy;
    if (failure.kind === 'unauthorized') return unauthorized(ep.label, failure, this.policy.keyGiven);
    if (failure.kind === 'not-found') {
      let models: ServedModel[] | undefined;
      try {
        ep.models ??= this.policy.listModels(ep, signal);
        models = await ep.models;
      } catch {
        ep.models = undefined;
        if (signal.aborted) throw abortReason(signal);
      }
      return notFound(ep.label, failure, job, models, redact);
    }
    return rejected(ep.label, failure, redact);
  }
}
