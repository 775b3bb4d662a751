/**
 * The worker thread of `lengthControlledScores` (length-control-workers.ts): fits its
 * inputs, and answers with the fits and the replicates it drew.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { withReplicateMemo } from './bootstrap.js';
import { lengthControlledScore } from './length-control.js';
import type { LengthControlAnswer, LengthControlJob } from './length-control-workers.js';

const job = workerData as LengthControlJob;
const replicates: [string, Float64Array][] = [];
const results = withReplicateMemo(
  { recall: () => new Map(), remember: (id, values) => replicates.push([id, values]) },
  () => job.inputs.map((input) => lengthControlledScore(input, { bootstrap: job.bootstrap })),
);
const answer: LengthControlAnswer = { results, replicates };
parentPort!.postMessage(
  answer,
  replicates.map(([, values]) => values.buffer as ArrayBuffer),
);
