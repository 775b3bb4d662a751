import type { Endpoint, EndpointHealth } from './health.js';
import { poolClosed, stoppedAnswering } from './messages.js';

/**
 * Balancing: each request goes to the up endpoint with the least load (prompts in flight)
 * for its capacity; when none is up, the request waits for one, up to the give-up window.
 */
export class Balancer {
  private rotation = 0;

  constructor(
    private readonly health: EndpointHealth,
    private readonly options: {
      /** when every endpoint has been down this long, requests fail */
      readonly giveUpMs: number;
      /** aborts when the pool closes */
      readonly life: AbortSignal;
      readonly now: () => number;
    },
  ) {}

  /**
   * The up endpoint with the least load for its capacity (ties: round robin), `avoid`
   * only when no other is up; counts the request's `weight` prompts in flight there.
   * Starts the probe of down endpoints whose rest is over.
   */
  pick(avoid: Endpoint | undefined, weight: number): Endpoint | undefined {
    const endpoints = this.health.endpoints;
    const n = endpoints.length;
    const start = this.rotation++ % n;
    const now = this.options.now();
    let best: Endpoint | undefined;
    let bestLoad = Infinity;
    let fallback: Endpoint | undefined;
    for (let i = 0; i < n; i++) {
      const ep = endpoints[(start + i) % n] as Endpoint;
      this.health.probeIfRested(ep, now);
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

  /**
   * Waits until an endpoint is up and picks it (see pick); fails with a fatal
   * JudgeServerError once all have been down for the give-up window (`model`: the one
   * the request asks for, for the error).
   */
  async acquire(
    signal: AbortSignal,
    avoid: Endpoint | undefined,
    weight: number,
    model: string,
  ): Promise<Endpoint> {
    const { giveUpMs, life, now: clock } = this.options;
    for (;;) {
      const ep = this.pick(avoid, weight);
      if (ep) return ep;
      if (life.aborted) throw poolClosed();
      const now = clock();
      const since = this.health.allDownSince ?? now;
      const endpoints = this.health.endpoints;
      if (now - since >= giveUpMs || endpoints.every((e) => e.state === 'excluded')) {
        throw stoppedAnswering(
          endpoints.filter((e) => e.state !== 'excluded'),
          giveUpMs,
          model,
        );
      }
      const wakeAt = this.health.nextProbeAt(since + giveUpMs);
      await this.health.waitForChange(Math.max(1, wakeAt - now), signal);
    }
  }
}
