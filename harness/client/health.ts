import type OpenAI from 'openai';
import { abortReason, onAbort } from './abort.js';
import {
  classifyFailure,
  describeFailure,
  endpointEffect,
  type AttemptFailure,
  type Backoff,
} from './retry.js';
import type { ServedModel } from './wire.js';

/**
 * Endpoint health: which endpoints are up, down (resting, then probed again) or excluded
 * (they serve another model), what their failures say about them, and the wake-ups of
 * whoever waits for an endpoint to come up.
 */

export type EndpointState = 'up' | 'down' | 'excluded';

/** One endpoint, as the pool's parts share it. */
export interface Endpoint {
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

/** A fresh endpoint record: up until it fails. */
export function newEndpoint(label: string, capacity: number, client: OpenAI): Endpoint {
  return {
    label,
    capacity,
    client,
    state: 'up',
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
}

/** What a probe of an endpoint found: its models, or why it did not answer. */
export type EndpointProbe =
  | { readonly endpoint: string; readonly ok: true; readonly models: readonly ServedModel[] }
  | { readonly endpoint: string; readonly ok: false; readonly error: string };

export type HealthEvent =
  | { readonly type: 'down'; readonly endpoint: string; readonly reason: string; readonly retryInMs: number }
  | { readonly type: 'up'; readonly endpoint: string };

export interface HealthOptions {
  /** how long a down endpoint rests before it is probed */
  readonly cooldown: Backoff;
  /** consecutive failures (resets, timeouts, 5xx) that mark an endpoint down */
  readonly failureThreshold: number;
  /** GET /v1/models of an endpoint (a probe) */
  readonly listModels: (ep: Endpoint, signal: AbortSignal) => Promise<ServedModel[]>;
  /** aborts when the pool closes: background probes stop */
  readonly life: AbortSignal;
  readonly redact: (text: string) => string;
  readonly now: () => number;
  readonly onEvent: ((event: HealthEvent) => void) | undefined;
}

export class EndpointHealth {
  /** since when no endpoint has been up; undefined while one is */
  allDownSince: number | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly endpoints: readonly Endpoint[],
    private readonly options: HealthOptions,
  ) {}

  /** The endpoint answered a probe with its models: it is up (and no longer excluded). */
  answeredProbe(ep: Endpoint, models: ServedModel[]): void {
    if (ep.state === 'excluded') ep.state = 'up';
    ep.answered = true;
    ep.models = Promise.resolve(models);
    this.markUp(ep);
  }

  /** The endpoint serves another model: requests no longer go there. */
  exclude(ep: Endpoint, reason: string): void {
    ep.state = 'excluded';
    ep.lastError = reason;
  }

  succeeded(ep: Endpoint, prompts: number): void {
    ep.completed += prompts;
    ep.strikes = 0;
    ep.downs = 0;
    ep.answered = true;
    if (ep.state === 'down') this.markUp(ep);
  }

  failed(ep: Endpoint, failure: AttemptFailure): void {
    ep.failures++;
    ep.lastError = this.options.redact(describeFailure(failure));
    const effect = endpointEffect(failure.kind);
    if (effect === 'down' || (effect === 'strike' && ++ep.strikes >= this.options.failureThreshold)) {
      this.markDown(ep, ep.lastError);
    }
  }

  /** `again`: a probe of a down endpoint failed, so its rest starts over, longer. */
  markDown(ep: Endpoint, reason: string, again = false): void {
    // Already down: failures of requests sent before do not extend the rest.
    if (ep.state === 'excluded' || (ep.state === 'down' && !again)) return;
    ep.state = 'down';
    ep.strikes = 0;
    ep.downs++;
    const { cooldown } = this.options;
    const retryInMs = Math.min(cooldown.maxMs, cooldown.baseMs * 2 ** (ep.downs - 1));
    ep.retryAt = this.options.now() + retryInMs;
    this.updateAllDown();
    this.options.onEvent?.({ type: 'down', endpoint: ep.label, reason, retryInMs });
  }

  markUp(ep: Endpoint): void {
    if (ep.state !== 'down') return;
    ep.state = 'up';
    ep.strikes = 0;
    this.updateAllDown();
    this.options.onEvent?.({ type: 'up', endpoint: ep.label });
    this.notify();
  }

  updateAllDown(): void {
    const anyUp = this.endpoints.some((e) => e.state === 'up');
    if (anyUp) this.allDownSince = undefined;
    else this.allDownSince ??= this.options.now();
  }

  /** Whether an endpoint other than `ep` is up. */
  upElsewhere(ep: Endpoint): boolean {
    return this.endpoints.some((e) => e !== ep && e.state === 'up');
  }

  /** Starts the probe of a down endpoint whose rest is over (at `now`). */
  probeIfRested(ep: Endpoint, now: number): void {
    if (ep.state === 'down' && !ep.probing && now >= ep.retryAt) this.probeAgain(ep);
  }

  /** When the next rested endpoint may be probed, at the latest `limit`. */
  nextProbeAt(limit: number): number {
    let at = limit;
    for (const e of this.endpoints) {
      if (e.state === 'down' && !e.probing) at = Math.min(at, e.retryAt);
    }
    return at;
  }

  /** After its cooldown, a down endpoint is asked for its models; if it answers, it is up. */
  private probeAgain(ep: Endpoint): void {
    ep.probing = true;
    const { life } = this.options;
    this.options.listModels(ep, life).then(
      (models) => {
        ep.probing = false;
        ep.answered = true;
        ep.models = Promise.resolve(models);
        this.markUp(ep);
      },
      (e: unknown) => {
        ep.probing = false;
        if (life.aborted) return;
        const reason = this.options.redact(describeFailure(classifyFailure(e, this.options.now())));
        ep.lastError = reason;
        this.markDown(ep, reason, true);
        this.notify();
      },
    );
  }

  // ---- waiting for a change ----

  /** Resolves after `ms` or at the next change of health (or `wakeAll`), whichever is first. */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
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

  /** Wakes every waiter (the pool closes: they find out and give up). */
  wakeAll(): void {
    this.notify();
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
