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
  readonly id: number;
  readonly tickets: readonly number[];
  readonly inputs: readonly {
    readonly ratings: Float64Array;
    readonly modelLengths: Float64Array;
    readonly baselineLengths: Float64Array;
  }[];
  readonly bootstrap: BootstrapOptions;
  /**
   * One Int32 shared with the pool: 0 while nobody has the job; whoever changes it first
   * (Atomics.compareExchange: the worker to CLAIMED_BY_WORKER, the pool's thread to
   * CLAIMED_HERE) fits it, the other leaves it.
   */
  readonly claim: SharedArrayBuffer;
}

/** What a worker answers: the fits by ticket and the replicates it drew (for the pool's memo), or that it left the job. */
export type LengthControlAnswer =
  | {
      readonly id: number;
      readonly left: false;
      readonly results: LengthControlled[];
      readonly replicates: [string, Float64Array][];
    }
  | { readonly id: number; readonly left: true };

export const CLAIMED_BY_WORKER = 1;
const CLAIMED_HERE = 2;

/** Inputs per job: small enough that the calling thread and the workers share the end evenly. */
const JOB_SIZE = 8;

interface Slot {
  readonly worker: Worker;
  /** jobs posted to it and not answered (fitted, or left because this thread took them) */
  outstanding: number;
}

/** A job posted to a worker and not fitted yet (by either side). */
interface PostedJob {
  readonly id: number;
  readonly tickets: readonly number[];
  readonly inputs: readonly LengthControlInput[];
  readonly claim: Int32Array;
}

/**
 * `lengthControlledScore` of inputs added one by one (a model as soon as it is reduced),
 * their bootstraps drawn in worker threads while the caller goes on (loading, judging, the
 * other statistics). A job of JOB_SIZE inputs is posted to a worker as soon as it is full,
 * so a worker never waits for the caller's thread to hand it work: that thread is busy for
 * seconds at a time (decoding, the other statistics). At `results`, the calling thread
 * takes posted jobs too, the last ones first, while the workers go through them from the
 * first; a job's shared claim flag decides who fits it. About a third of a full run's
 * statistics (227 models x 1,000 refits).
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
  private queue: { ticket: number; input: LengthControlInput }[] = [];
  private readonly posted = new Map<number, PostedJob>();
  private readonly workers: Slot[] = [];
  private readonly maxWorkers: number;
  private readonly script: URL | undefined;
  private failure: unknown;
  private wake: (() => void) | undefined;
  private tickets = 0;
  private jobs = 0;

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
    if (this.queue.length >= JOB_SIZE) this.post();
    return ticket;
  }

  /** Every input's fit, by ticket; the workers are closed. */
  async results(): Promise<LengthControlled[]> {
    try {
      this.post();
      if (this.queue.length > 0) {
        // no workers: everything here
        this.fitHere(this.queue);
        this.queue = [];
      }
      // this thread takes the last posted jobs nobody has, a job at a time, between the
      // workers' answers; then waits for the jobs the workers have
      for (;;) {
        if (this.failure !== undefined) throw this.failure;
        const job = [...this.posted.values()].reverse().find((j) => this.claimHere(j));
        if (job) {
          this.fitHere(job.tickets.map((ticket, k) => ({ ticket, input: job.inputs[k]! })));
          this.settle(job);
          await nextTurn();
        } else if (this.posted.size > 0) {
          await new Promise<void>((resolve) => (this.wake = resolve));
        } else {
          break;
        }
      }
      if (this.failure !== undefined) throw this.failure;
      return this.fits;
    } finally {
      for (const { worker } of this.workers) void worker.terminate();
    }
  }

  private fitHere(job: readonly { ticket: number; input: LengthControlInput }[]): void {
    withReplicateMemo(this.memo, () => {
      for (const { ticket, input } of job) this.fits[ticket] = lengthControlledScore(input, this.options);
    });
  }

  /** A job fitted (by either side) is forgotten, its inputs with it: memory stays flat in the models. */
  private settle(job: PostedJob): void {
    this.posted.delete(job.id);
  }

  private claimHere(job: PostedJob): boolean {
    return Atomics.compareExchange(job.claim, 0, 0, CLAIMED_HERE) === 0;
  }

  /** Posts the queued inputs as jobs to the workers (starting them as needed), the least busy first. */
  private post(): void {
    while (this.queue.length > 0 && this.maxWorkers > 0) {
      const slot =
        this.workers.length < this.maxWorkers
          ? this.start()
          : this.workers.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
      const taken = this.queue.splice(0, JOB_SIZE);
      const id = this.jobs++;
      const claim = new SharedArrayBuffer(4);
      const message: LengthControlJob = {
        id,
        tickets: taken.map((j) => j.ticket),
        // copies: this thread keeps the inputs, to fit them itself if it gets there first
        inputs: taken.map(({ input }) => ({
          ratings: Float64Array.from(input.ratings),
          modelLengths: Float64Array.from(input.modelLengths),
          baselineLengths: Float64Array.from(input.baselineLengths),
        })),
        bootstrap: this.options.bootstrap!,
        claim,
      };
      this.posted.set(id, {
        id,
        tickets: message.tickets,
        inputs: taken.map((j) => j.input),
        claim: new Int32Array(claim),
      });
      // with work, it keeps the process alive (its answer is awaited); idle, it does not
      if (slot.outstanding++ === 0) slot.worker.ref();
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

  private start(): Slot {
    const slot: Slot = { worker: new Worker(this.script!), outstanding: 0 };
    slot.worker.unref();
    slot.worker.on('message', (answer: LengthControlAnswer) => {
      const job = this.posted.get(answer.id);
      // a job this thread took is forgotten already; the worker only says it left it
      if (!answer.left && job) {
        job.tickets.forEach((ticket, k) => (this.fits[ticket] = answer.results[k]!));
        for (const [id, replicates] of answer.replicates) this.memo?.remember(id, replicates);
        this.settle(job);
      }
      if (--slot.outstanding === 0) slot.worker.unref();
      this.wakeUp();
    });
    slot.worker.on('error', (error) => {
      this.failure ??= error;
      this.wakeUp();
    });
    slot.worker.on('exit', (code) => {
      if (slot.outstanding > 0)
        this.failure ??= new Error(`a length-control worker exited (${code}) during a job`);
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
