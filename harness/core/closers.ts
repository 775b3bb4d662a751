import { BenchError, errorMessage } from './errors.js';

/**
 * What an object opened (servers, pools, stores), closed in reverse order of opening, each
 * even when an earlier one failed: the first failure is thrown, later ones are warned
 * about. Node 20 has no AsyncDisposableStack; this is the part of it the harness needs,
 * plus opening in progress: `close` aborts it (`signal`) and waits for it, so what it
 * opened meanwhile is closed too. `close` is idempotent (the same promise every call).
 */
export class Closers {
  private readonly stack: (() => void | Promise<void>)[] = [];
  private readonly life = new AbortController();
  /** an opening in progress: settles (never rejects) when it is over */
  private pending: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly warn: (message: string) => void = () => {}) {}

  /** whether `close` was called */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** `outer`, aborted also when closing starts while an opening is in progress */
  signal(outer?: AbortSignal): AbortSignal {
    return outer ? AbortSignal.any([outer, this.life.signal]) : this.life.signal;
  }

  /** runs `open`, which registers what it opens with `add` (and may use `signal`) */
  opening<T>(open: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new BenchError('already closed'));
    const opened = open();
    const over = () => {
      if (this.pending === pending) this.pending = undefined;
    };
    const pending: Promise<void> = opened.then(over, over);
    this.pending = pending;
    return opened;
  }

  /** `close` runs when closing, before those added earlier */
  add(close: () => void | Promise<void>): void {
    this.stack.push(close);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.pending) {
        this.life.abort(new BenchError('closed while opening'));
        await this.pending;
      }
      let first: { error: unknown } | undefined;
      for (let close = this.stack.pop(); close; close = this.stack.pop()) {
        try {
          await close();
        } catch (e) {
          if (first) this.warn(`while closing: ${errorMessage(e)}`);
          else first = { error: e };
        }
      }
      if (first) throw first.error;
    })();
    return this.closing;
  }
}
