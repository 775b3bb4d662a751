/**
 * A worker thread of the length-control pool (length-control-workers.ts): fits the inputs
 * of each job it is sent, and answers with the fits and the replicates it drew, until the
 * pool closes it.
 */
import { parentPort } from 'node:worker_threads';
import { withReplicateMemo } from './bootstrap.js';
import { lengthControlledScore } from './length-control.js';
import {
  CLAIMED_BY_WORKER,
  type LengthControlAnswer,
  type LengthControlJob,
} from './length-control-workers.js';

parentPort!.on('message', (job: LengthControlJob) => {
  // the pool's thread may have taken it meanwhile
  if (Atomics.compareExchange(new Int32Array(job.claim), 0, 0, CLAIMED_BY_WORKER) !== 0) {
    parentPort!.postMessage({ id: job.id, left: true } satisfies LengthControlAnswer);
    return;
  }
  const replicates: [string, Float64Array][] = [];
  const results = withReplicateMemo(
    { recall: () => new Map(), remember: (id, values) => replicates.push([id, values]) },
    () => job.inputs.map((input) => lengthControlledScore(input, { bootstrap: job.bootstrap })),
  );
  const answer: LengthControlAnswer = { id: job.id, left: false, results, replicates };
  parentPort!.postMessage(
    answer,
    replicates.map(([, values]) => values.buffer as ArrayBuffer),
  );
});
