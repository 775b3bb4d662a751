/**
 * The requests a run has in flight and how long each has waited, against what the answers
 * so far lead to expect, so that a hung request (or a server in trouble) shows in the
 * progress display instead of freezing it until the per-attempt timeout.
 *
 * Expected: a request is slow once it has waited SLOW_FACTOR times the median latency of
 * the last RECENT answers. Under load every request waits about as long in the server's
 * queue, so latencies spread little around their median and twice it is out of the
 * ordinary, while it stays under the per-attempt timeout (a fully loaded server answers in
 * ~130 s on average, twice that is 260 s, the timeout 300 s: see DEFAULT_REQUEST_TIMEOUT_MS
 * in the client). Never below MIN_SLOW_MS (on a fast server jitter is not a hang);
 * FIRST_ANSWER_MS before any answer (the first ones include a whole generation).
 */
const SLOW_FACTOR = 2;
const RECENT = 64;
const MIN_SLOW_MS = 10_000;
const FIRST_ANSWER_MS = 60_000;

export interface WaitSnapshot {
  /** requests in flight longer than `slowAfterMs` */
  readonly slow: number;
  readonly slowAfterMs: number;
  /** the wait of the oldest request in flight; 0 when none is */
  readonly oldestWaitMs: number;
}

export class RequestWaits {
  /** send time by request id, in the order sent (a Map keeps insertion order) */
  private readonly sentAt = new Map<number, number>();
  /** latencies of the last RECENT answers, a ring */
  private readonly recent: number[] = [];
  private ring = 0;
  private nextId = 0;

  constructor(private readonly now: () => number) {}

  /** A request was sent; returns its id for `end`. */
  start(): number {
    const id = this.nextId++;
    this.sentAt.set(id, this.now());
    return id;
  }

  /** The request is over; an answer's latency sets what is expected of the next ones. */
  end(id: number, answered: boolean): void {
    const at = this.sentAt.get(id);
    if (at === undefined) return;
    this.sentAt.delete(id);
    if (!answered) return;
    const latency = this.now() - at;
    if (this.recent.length < RECENT) this.recent.push(latency);
    else this.recent[this.ring] = latency;
    this.ring = (this.ring + 1) % RECENT;
  }

  snapshot(): WaitSnapshot {
    const now = this.now();
    const slowAfterMs = this.expectedMs();
    let slow = 0;
    let oldestWaitMs = 0;
    // oldest first: stop at the first request that is not slow
    for (const at of this.sentAt.values()) {
      const wait = now - at;
      if (oldestWaitMs === 0) oldestWaitMs = wait;
      if (wait <= slowAfterMs) break;
      slow++;
    }
    return { slow, slowAfterMs, oldestWaitMs };
  }

  private expectedMs(): number {
    if (this.recent.length === 0) return FIRST_ANSWER_MS;
    const sorted = [...this.recent].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    return Math.max(MIN_SLOW_MS, SLOW_FACTOR * median);
  }
}
