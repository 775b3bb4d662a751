import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll } from 'vitest';
import { VLLM_SIM } from './cli.js';

/** The fault mix issue 3 names: 5% errors, 5% rate limits, 2% resets, 1% hangs. */
export const ISSUE_FAULTS: readonly string[] = [
  '--fail-rate',
  '0.05',
  '--rate-limit-rate',
  '0.05',
  '--reset-rate',
  '0.02',
  '--hang-rate',
  '0.01',
];

/** Counters from GET /sim/stats (the ones tests read; the simulator sends more). */
export interface SimStats {
  requests: number;
  sequences: number;
  completed: number;
  errors: Record<string, number>;
  resets: number;
  hangs: number;
  garbled: number;
  running: number;
  waiting: number;
  meanBatch: number;
  fullStepFraction: number;
  sequencesPerSecond: number;
  [key: string]: unknown;
}

export interface VllmSim {
  /** the OpenAI API base, `http://127.0.0.1:PORT/v1` */
  readonly url: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** everything the simulator wrote to stderr so far */
  stderr(): string;
  stats(): Promise<SimStats>;
  reset(): Promise<void>;
  /** SIGTERM, then waits for the exit; safe to call twice */
  stop(): Promise<void>;
  /** resolves with the exit code when the simulator exits (e.g. --exit-after) */
  readonly exited: Promise<number | null>;
}

/**
 * Starts ../shared/tools/vllm-sim on a free port of 127.0.0.1 with the given flags
 * (e.g. `['--time-scale', '200', '--fail-rate', '0.05']`) and waits until it listens.
 */
export async function startVllmSim(
  flags: readonly string[] = [],
  options: { timeoutMs?: number } = {},
): Promise<VllmSim> {
  const child = spawn(process.execPath, [VLLM_SIM, '--host', '127.0.0.1', '--port', '0', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (t: string) => {
    stderr += t;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const listening = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vllm-sim did not start within ${options.timeoutMs ?? 10_000} ms: ${stderr}`));
    }, options.timeoutMs ?? 10_000);
    lines.on('line', (line) => {
      try {
        const info = JSON.parse(line) as { listening?: string };
        if (info.listening) {
          clearTimeout(timer);
          resolve(info.listening);
        }
      } catch {
        // not the startup line
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vllm-sim exited with code ${code} before listening: ${stderr}`));
    });
  });
  // keep draining stdout so the child never blocks on a full pipe
  child.stdout?.resume();

  const origin = listening;
  const port = Number(new URL(origin).port);
  let stopping: Promise<void> | undefined;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    process: child,
    stderr: () => stderr,
    exited,
    async stats() {
      const res = await fetch(`${origin}/sim/stats`);
      if (!res.ok) throw new Error(`GET /sim/stats: ${res.status}`);
      return (await res.json()) as SimStats;
    },
    async reset() {
      const res = await fetch(`${origin}/sim/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`POST /sim/reset: ${res.status}`);
      await res.arrayBuffer();
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** One line of vllm-sim's `--log`: what it answered to one prompt. */
export interface SimLogLine {
  /** `single`, `pairwise`, `prometheus-absolute`, `mtbench-single`, ... */
  protocol: string;
  /** the query and responses as the simulator read them out of the prompt (trimmed) */
  query: string;
  responses: string[];
  rating: number | null;
  verdict: string | null;
  finish_reason: string;
  prompt_sha256: string;
}

/** The lines of a `--log` file once it holds at least `atLeast` (the simulator writes them asynchronously). */
export async function readSimLog(file: string, atLeast: number): Promise<SimLogLine[]> {
  for (let i = 0; i < 400; i++) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= atLeast) return lines.map((l) => JSON.parse(l) as SimLogLine);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${file}: the simulator's log never reached ${atLeast} lines`);
}

/**
 * A fast vllm-sim (`--time-scale 1000`) logging what it answers (`--log`) for the tests of
 * one file: started before them, stopped after, with its scratch folder (`work`, where the
 * log and the tests' store go). `sim()` is the running simulator, inside the tests.
 */
export function loggedSimForFile(
  name: string,
  flags: readonly string[] = [],
): { readonly work: string; readonly log: string; sim(): VllmSim } {
  const work = mkdtempSync(join(tmpdir(), `${name}-`));
  const log = join(work, 'sim.log');
  let sim: VllmSim | undefined;
  beforeAll(async () => {
    sim = await startVllmSim(['--time-scale', '1000', '--log', log, ...flags]);
  });
  afterAll(async () => {
    await sim?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  return {
    work,
    log,
    sim: () => {
      if (!sim) throw new Error(`${name}: the simulator is not started (call sim() inside a test)`);
      return sim;
    },
  };
}

/**
 * The expected rating vllm-sim's logprobs imply for an answer it rated `rating` (1..10),
 * from the distribution its README states (0.62 on the rating, 0.15 on each neighbour,
 * 0.04 two away, renormalised inside 1..10): computed independently of the harness.
 */
export function simExpectedRating(rating: number): number {
  const weight = [0.62, 0.15, 0.04];
  let mass = 0;
  let sum = 0;
  for (let k = 1; k <= 10; k++) {
    const d = Math.abs(k - rating);
    if (d <= 2) {
      mass += weight[d]!;
      sum += k * weight[d]!;
    }
  }
  let p = sum / mass;
  // vllm-sim lists an alternative of probability 0 at log(1e-9) (`Math.max(q, 1e-9)` in
  // its topK): after "1" of a 1 the "0" of 10, after "1" of a 10 the "]]" of 1
  const first = (k: number) => (Math.abs(k - rating) <= 2 ? weight[Math.abs(k - rating)]! / mass : 0);
  if (rating === 1) p = (p + 10 * first(1) * 1e-9) / (1 + first(1) * 1e-9);
  if (rating === 10) p = (p + 1 * first(10) * 1e-9) / (1 + first(10) * 1e-9);
  return p;
}

/**
 * The expected rating (and its flag) the harness should read from vllm-sim's logprobs for
 * an answer of `protocol` (its --log's) rated `rating`: around a `[[k]]` rating the README
 * distribution, where a "1" listed beside a 2..9 is split by the documented approximation
 * (flagged); a Prometheus `[RESULT] k` is one plain token, so the rating itself.
 */
export function simExpectedOutcome(
  protocol: string,
  rating: number,
): { readonly value: number; readonly approximated: boolean } {
  if (protocol === 'prometheus-absolute') return { value: rating, approximated: false };
  const oneListed = rating <= 3 || rating >= 8; // "1" among the alternatives at the first digit
  return { value: simExpectedRating(rating), approximated: oneListed && rating !== 1 && rating !== 10 };
}

/**
 * What vllm-sim answered to a single prompt, looked up by (instruction, response) in its
 * log: the simulator trims what it reads between the markers, and a response too long
 * for the context was sent cut, so its answer is under a prefix of it.
 */
export function simSingleAnswers(
  lines: readonly SimLogLine[],
): (query: string, response: string) => SimLogLine | undefined {
  const answered = new Map<string, SimLogLine>();
  const byQuery = new Map<string, SimLogLine[]>();
  for (const l of lines) {
    answered.set(`${l.query}\u0000${l.responses[0]}`, l);
    byQuery.set(l.query, [...(byQuery.get(l.query) ?? []), l]);
  }
  return (q, response) =>
    answered.get(`${q.trim()}\u0000${response.trim()}`) ??
    byQuery.get(q.trim())?.find((l) => l.responses[0]!.length > 1000 && response.startsWith(l.responses[0]!));
}
