/**
 * A worker thread of the length-control pool (length-control-workers.ts): fits the inputs
 * of each job it is sent, and answers with the fits and the replicates it drew, until the
 * pool closes it.
 */
import { parentPort } from 'node:worker_threads';
import { withReplicateMemo } from './bootstrap.js';
import { lengthControlledScore } from './length-control.js';
import type { LengthControlAnswer, LengthControlJob } from './length-control-workers.js';

parentPort!.on('message', (job: LengthControlJob) => {
  const replicates: [string, Float64Array][] = [];
  const results = withReplicateMemo(
    { recall: () => new Map(), remember: (id, values) => replicates.push([id, values]) },
    () => job.inputs.map((input) => lengthControlledScore(input, { bootstrap: job.bootstrap })),
  );
  const answer: LengthControlAnswer = { tickets: job.tickets, results, replicates };
  parentPort!.postMessage(
    answer,
    replicates.map(([, values]) => values.buffer as ArrayBuffer),
  );
});
