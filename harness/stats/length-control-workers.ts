import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { withReplicateMemo, type BootstrapOptions, type ReplicateMemo } from './bootstrap.js';
import {
  lengthControlledScore,
  lengthControlReplicateId,
  type LengthControlInput,
  type LengthControlled,
} from './length-control.js';

/** What a worker is given: inputs to fit (typed arrays, transferred) and the bootstrap. */
export interface LengthControlJob {
  readonly inputs: readonly {
    readonly ratings: Float64Array;
    readonly modelLengths: Float64Array;
    readonly baselineLengths: Float64Array;
  }[];
  readonly bootstrap: BootstrapOptions;
}

/** What a worker answers: the fits, and the replicates it drew (for the caller's memo). */
export interface LengthControlAnswer {
  readonly results: LengthControlled[];
  readonly replicates: [string, Float64Array][];
}

/** Fewer inputs than this are fitted in the calling thread (a worker costs ~50 ms to start). */
const MIN_FOR_WORKERS = 8;

/**
 * `lengthControlledScore` of every input, the bootstraps drawn in worker threads: about a
 * third of a full run's statistics (227 models x 1,000 refits), which the caller overlaps
 * with the rest (the promise is made, and the work handed over, before this returns).
 * Replicates in `memo` are recalled (in one query) instead of drawn; those drawn are added
 * to it. The results are those of calling `lengthControlledScore` on each input in turn.
 * Without workers (one core, a few inputs, or running from sources under a test runner,
 * where the worker's module is not built), everything is fitted in this thread.
 */
export function lengthControlledScores(
  inputs: readonly LengthControlInput[],
  options: { bootstrap?: BootstrapOptions },
  memo?: ReplicateMemo,
): Promise<LengthControlled[]> {
  const bootstrap = options.bootstrap;
  const inline = (which: readonly number[], into: LengthControlled[], from?: ReplicateMemo) =>
    withReplicateMemo(from, () => {
      for (const i of which) into[i] = lengthControlledScore(inputs[i]!, options);
    });
  const results = new Array<LengthControlled>(inputs.length);
  if (!bootstrap || bootstrap.resamples <= 0) {
    inline(
      inputs.map((_, i) => i),
      results,
    );
    return Promise.resolve(results);
  }
  const ids = inputs.map((input) => lengthControlReplicateId(input, bootstrap));
  const recalled = memo?.recall(ids) ?? new Map<string, Float64Array>();
  const known = inputs.flatMap((_, i) => (recalled.has(ids[i]!) ? [i] : []));
  const todo = inputs.flatMap((_, i) => (recalled.has(ids[i]!) ? [] : [i]));
  inline(known, results, mapMemo(recalled));
  const workers = Math.min(
    Math.max(0, availableParallelism() - 1),
    4,
    Math.floor(todo.length / MIN_FOR_WORKERS),
  );
  const script = workerScript();
  if (workers === 0 || !script) {
    inline(todo, results, memo);
    return Promise.resolve(results);
  }
  const chunks = Array.from({ length: workers }, (_, w) => todo.filter((_, k) => k % workers === w));
  return Promise.all(
    chunks.map((chunk) =>
      runWorker(
        script,
        chunk.map((i) => inputs[i]!),
        bootstrap,
      ),
    ),
  ).then((answers) => {
    answers.forEach((answer, w) => {
      chunks[w]!.forEach((i, k) => (results[i] = answer.results[k]!));
      for (const [id, replicates] of answer.replicates) memo?.remember(id, replicates);
    });
    return results;
  });
}

/** The built worker module beside this one; undefined when running from TypeScript sources. */
function workerScript(): URL | undefined {
  const url = new URL('./length-control-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

function runWorker(
  script: URL,
  inputs: readonly LengthControlInput[],
  bootstrap: BootstrapOptions,
): Promise<LengthControlAnswer> {
  const job: LengthControlJob = {
    inputs: inputs.map((x) => ({
      ratings: Float64Array.from(x.ratings),
      modelLengths: Float64Array.from(x.modelLengths),
      baselineLengths: Float64Array.from(x.baselineLengths),
    })),
    bootstrap,
  };
  const transfer = job.inputs.flatMap((x) => [
    x.ratings.buffer,
    x.modelLengths.buffer,
    x.baselineLengths.buffer,
  ]);
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: job, transferList: transfer as ArrayBuffer[] });
    let answered = false;
    worker.once('message', (answer: LengthControlAnswer) => {
      answered = true;
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the length-control worker exited (${code}) without an answer`));
    });
  });
}

/** A memo that only recalls what is given (the replicates found in the caller's memo). */
function mapMemo(values: ReadonlyMap<string, Float64Array>): ReplicateMemo {
  return {
    recall: (ids) => new Map(ids.flatMap((id) => (values.has(id) ? [[id, values.get(id)!] as const] : []))),
    remember: () => {},
  };
}
