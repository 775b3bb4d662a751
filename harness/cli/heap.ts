import v8 from 'node:v8';

/**
 * How far V8 lets the bench process's old generation grow past what the last full
 * collection left alive, in percent. Left to itself V8 grows it up to 4x while collecting
 * is cheap: a cold AlpacaEval run keeps ~70 MB alive (the window's outputs, prompts and
 * answers in flight, the tokenizer, the code) and promotes what waits for the server, so
 * its heap rose to ~220 MB between collections, most of it garbage. At 1.5x a cold run of
 * 12 models peaks at ~265 MB instead of ~385 MB, for ~15% more CPU per judgment in the
 * judging phase (benchmarks/autoj-throughput.ts: the server's batch stays full).
 */
export const HEAP_GROWING_PERCENT = 50;

/** Whether node's own options (its command line, NODE_OPTIONS) set the heap's growth already. */
export function heapGrowthGiven(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) =>
    /^--heap[-_]growing[-_]percent(=|$)/.test(a),
  );
}

/**
 * Sets the growth (HEAP_GROWING_PERCENT) for this process unless node was told one: V8
 * reads it each time a full collection sets the next limit, so it holds from the first
 * one on. Returns whether it set it.
 */
export function limitHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): boolean {
  if (heapGrowthGiven(execArgv, nodeOptions)) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  limited = true;
  return true;
}

/** whether limitHeapGrowth set the growth (and so may give it back) */
let limited = false;

/**
 * Gives V8 its own growth back (0: its heuristics), if limitHeapGrowth set one: for a run
 * that keeps nothing waiting for a server (the length judge), whose memory stays small
 * anyway and which the limit only slows (a full AlpacaEval run: ~2.5 s more CPU).
 * Returns whether it did.
 */
export function releaseHeapGrowth(): boolean {
  if (!limited) return false;
  v8.setFlagsFromString('--heap-growing-percent=0');
  limited = false;
  return true;
}
