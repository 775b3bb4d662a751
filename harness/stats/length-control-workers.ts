import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { withReplicateMemo, type BootstrapOptions, type ReplicateMemo } from './bootstrap.js';
import {
  lengthControlledScore,
  lengthControlReplicateId,
  type LengthControlInput,
  type LengthControlled,
} from './length-control.js';

/** What a worker is sent: inputs to fit (typed arrays, transferred), by ticket, and the bootstrap. */
export interface LengthControlJob {
  readonly tickets: readonly number[];
  readonly inputs: readonly {
    readonly ratings: Float64Array;
    readonly modelLengths: Float64Array;
    readonly baselineLengths: Float64Array;
  }[];
  readonly bootstrap: BootstrapOptions;
}

/** What a worker answers: the fits by ticket, and the replicates it drew (for the pool's memo). */
export interface LengthControlAnswer {
  readonly tickets: readonly number[];
  readonly results: LengthControlled[];
  readonly replicates: [string, Float64Array][];
}

/** Inputs per job: small enough that the calling thread and the workers share the end evenly. */
const JOB_SIZE = 8;

/**
 * `lengthControlledScore` of inputs added one by one (a model as soon as it is reduced),
 * their bootstraps drawn in worker threads while the caller goes on (loading, judging, the
 * other statistics); at `results`, the calling thread fits what is still queued, beside the
 * workers. About a third of a full run's statistics (227 models x 1,000 refits).
 * Replicates in `memo` are recalled instead of drawn (the fit is then made at once, in
 * this thread); those drawn are added to it. The results are exactly those of calling
 * `lengthControlledScore` on each input (tested). Without workers (one core, or running
 * from sources under a test runner, where the worker module is not built) everything is
 * fitted in this thread, at `results`.
 */
export class LengthControlPool {
  private readonly options: { bootstrap?: BootstrapOptions };
  private readonly memo: ReplicateMemo | undefined;
  private readonly fits: LengthControlled[] = [];
  private readonly queue: { ticket: number; input: LengthControlInput }[] = [];
  private readonly workers: { worker: Worker; busy: boolean }[] = [];
  private readonly maxWorkers: number;
  private readonly script: URL | undefined;
  private inFlight = 0;
  private failure: unknown;
  private wake: (() => void) | undefined;
  private tickets = 0;

  constructor(options: { bootstrap?: BootstrapOptions }, memo?: ReplicateMemo) {
    this.options = options;
    this.memo = memo;
    this.script = workerScript();
    this.maxWorkers =
      options.bootstrap && options.bootstrap.resamples > 0 && this.script
        ? Math.min(Math.max(0, availableParallelism() - 1), 4)
        : 0;
  }

  /** Queues an input; returns its ticket (its place in `results`). */
  add(input: LengthControlInput): number {
    const ticket = this.tickets++;
    const bootstrap = this.options.bootstrap;
    if (bootstrap && bootstrap.resamples > 0 && this.memo) {
      const id = lengthControlReplicateId(input, bootstrap);
      const kept = this.memo.recall([id]).get(id);
      if (kept?.length === bootstrap.resamples) {
        this.fits[ticket] = withReplicateMemo(recalledOnly(id, kept), () =>
          lengthControlledScore(input, this.options),
        );
        return ticket;
      }
    }
    this.queue.push({ ticket, input });
    this.dispatch(false);
    return ticket;
  }

  /** Every input's fit, by ticket; the workers are closed. */
  async results(): Promise<LengthControlled[]> {
    try {
      this.dispatch(true);
      // this thread takes queued jobs too, a job at a time, between the workers' answers
      while (this.queue.length > 0 || this.inFlight > 0) {
        if (this.failure !== undefined) throw this.failure;
        const job = this.queue.splice(0, JOB_SIZE);
        if (job.length > 0) {
          withReplicateMemo(this.memo, () => {
            for (const { ticket, input } of job)
              this.fits[ticket] = lengthControlledScore(input, this.options);
          });
          await nextTurn();
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      }
      if (this.failure !== undefined) throw this.failure;
      return this.fits;
    } finally {
      for (const { worker } of this.workers) void worker.terminate();
    }
  }

  /** Hands queued inputs to idle workers (starting them as needed); a part job only at the end. */
  private dispatch(end: boolean): void {
    for (;;) {
      if (this.queue.length === 0 || (!end && this.queue.length < JOB_SIZE)) return;
      let slot = this.workers.find((w) => !w.busy);
      if (!slot && this.workers.length < this.maxWorkers) slot = this.start();
      if (!slot) return;
      const job = this.queue.splice(0, JOB_SIZE);
      slot.busy = true;
      this.inFlight++;
      const message: LengthControlJob = {
        tickets: job.map((j) => j.ticket),
        inputs: job.map(({ input }) => ({
          ratings: Float64Array.from(input.ratings),
          modelLengths: Float64Array.from(input.modelLengths),
          baselineLengths: Float64Array.from(input.baselineLengths),
        })),
        bootstrap: this.options.bootstrap!,
      };
      // busy, it keeps the process alive (its answer is awaited); idle, it does not
      slot.worker.ref();
      slot.worker.postMessage(
        message,
        message.inputs.flatMap((x) => [
          x.ratings.buffer,
          x.modelLengths.buffer,
          x.baselineLengths.buffer,
        ]) as ArrayBuffer[],
      );
    }
  }

  private start(): { worker: Worker; busy: boolean } {
    const slot = { worker: new Worker(this.script!), busy: false };
    slot.worker.on('message', (answer: LengthControlAnswer) => {
      answer.tickets.forEach((ticket, k) => (this.fits[ticket] = answer.results[k]!));
      for (const [id, replicates] of answer.replicates) this.memo?.remember(id, replicates);
      slot.busy = false;
      slot.worker.unref();
      this.inFlight--;
      this.dispatch(false);
      this.wakeUp();
    });
    slot.worker.on('error', (error) => {
      this.failure ??= error;
      this.wakeUp();
    });
    slot.worker.on('exit', (code) => {
      if (slot.busy) this.failure ??= new Error(`a length-control worker exited (${code}) during a job`);
      this.wakeUp();
    });
    this.workers.push(slot);
    return slot;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** The built worker module beside this one; undefined when running from TypeScript sources. */
function workerScript(): URL | undefined {
  const url = new URL('./length-control-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** A memo that only recalls one set of replicates (found in the pool's memo). */
function recalledOnly(id: string, replicates: Float64Array): ReplicateMemo {
  return {
    recall: (ids) => new Map(ids.includes(id) ? [[id, replicates] as const] : []),
    remember: () => {},
  };
}
