/**
 * Does the harness keep a vLLM server's batch full? Starts ../shared/tools/vllm-sim with
 * `--max-num-seqs 64 --time-scale 50` (`--max-num-seqs N` to change), resets its counters, runs
 * `bench run alpacaeval --judge autoj` over 3 models x all 805 instructions in this
 * process (cold store), and prints the simulator's fullStepFraction and meanBatch, the
 * judgments per second and the harness's CPU time per judgment: over the whole run
 * (loading data, tokenizer, store, judging, results) and over the judging phase alone
 * (`runJudgments`: preparing prompts and keys, store lookups, requests, parsing, store
 * writes), as published on its diagnostics channel.
 * Targets: fullStepFraction >= 0.9, meanBatch >= 60, < 1 ms CPU per judgment.
 *
 * It sends 8 prompts per request unless told otherwise (`--batch-size 1`: one per request,
 * the CLI's default).
 *
 *   npm run build && node dist/benchmarks/autoj-throughput.js [--models a b c] [--concurrency N] [--batch-size N]
 *     [--max-num-seqs N]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { benchCommands } from '../harness/cli/commands/index.js';
import { limitHeapGrowth } from '../harness/cli/heap.js';
import { runCli } from '../harness/cli/program.js';
import { judgingChannel, type RunSummary, type RunTiming } from '../harness/runner/run-judgments.js';
import { builtInSuites } from '../suites/index.js';
import { flagValues } from './args.js';

const args = process.argv.slice(2);
const listAfter = (name: string): string[] => flagValues(args, name);
const models = listAfter('models').length ? listAfter('models') : ['gemma-2b-it', 'phi-2', 'alpaca-7b'];
const concurrency = listAfter('concurrency')[0];
/** prompts per request: 8 (the CLI's default, see DEFAULT_BATCH_SIZE) unless given */
const batchSize = listAfter('batch-size')[0] ?? '8';
/** the simulated server's batch: 64 for the target; 256 is vLLM's default */
const maxNumSeqs = listAfter('max-num-seqs')[0] ?? '64';
// the CPU per judgment of the bench process as it runs (bin/bench.ts: its heap growth)
limitHeapGrowth();
const judging: { summary: RunSummary; timing: RunTiming }[] = [];
judgingChannel.subscribe((message) => judging.push(message as { summary: RunSummary; timing: RunTiming }));
const shared = resolve('../shared');

const sim = spawn(
  process.execPath,
  [
    join(shared, 'tools/vllm-sim/vllm-sim.mjs'),
    '--port',
    '0',
    '--max-num-seqs',
    maxNumSeqs,
    '--time-scale',
    '50',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const origin = await new Promise<string>((ok, fail) => {
  createInterface({ input: sim.stdout! }).on('line', (line) => {
    try {
      const info = JSON.parse(line) as { listening?: string };
      if (info.listening) ok(info.listening);
    } catch {
      // not the startup line
    }
  });
  sim.once('exit', (code) => fail(new Error(`vllm-sim exited (${code})`)));
});
const home = mkdtempSync(join(tmpdir(), 'bench-throughput-'));
try {
  await fetch(`${origin}/sim/reset`, { method: 'POST' });
  let stdout = '';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await runCli(
    [
      'run',
      'alpacaeval',
      '--judge',
      'autoj',
      '--endpoint',
      `${origin}/v1`,
      '--models',
      ...models,
      '--bootstrap',
      '0',
      '--json',
      ...(concurrency ? ['--concurrency', concurrency] : []),
      '--batch-size',
      batchSize,
    ],
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => {},
      stderrIsTTY: false,
      env: { ...process.env, BENCH_HOME: home, ALPACA_EVAL_SOURCE: join(shared, 'data/alpaca_eval') },
      cwd: process.cwd(),
      signal: new AbortController().signal,
    },
    benchCommands(builtInSuites),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (code !== 0) throw new Error(`bench exited ${code}`);
  const doc = JSON.parse(stdout) as { manifest: { judgments: { requested: number; sent: number } } };
  const stats = (await (await fetch(`${origin}/sim/stats`)).json()) as {
    fullStepFraction: number;
    meanBatch: number;
    completed: number;
    requests: number;
    sequencesPerSecond: number;
  };
  const { requested, sent } = doc.manifest.judgments;
  console.log(
    `models: ${models.join(', ')}; judgments ${requested} (${sent} distinct prompts sent, ${stats.requests} HTTP requests, --batch-size ${batchSize})`,
  );
  console.log(`fullStepFraction: ${stats.fullStepFraction.toFixed(3)}   (target >= 0.9)`);
  console.log(
    `meanBatch:        ${stats.meanBatch.toFixed(1)}     (target >= ${(Number(maxNumSeqs) * 60) / 64} of ${maxNumSeqs})`,
  );
  console.log(
    `judgments/s:      ${(sent / wall).toFixed(1)} (server: ${stats.sequencesPerSecond.toFixed(1)} sequences/s)`,
  );
  console.log(`wall time:        ${wall.toFixed(2)} s`);
  console.log(
    `harness CPU:      ${((cpu.user + cpu.system) / 1000 / sent).toFixed(3)} ms per judgment (target < 1 ms; whole run incl. loading and store)`,
  );
  const phaseCpu = judging.reduce((s, j) => s + j.timing.cpuMs, 0);
  const phaseWall = judging.reduce((s, j) => s + j.timing.wallMs, 0);
  console.log(
    `judging phase:    ${(phaseCpu / sent).toFixed(3)} ms CPU per judgment (target < 1 ms; ${(phaseCpu / 1000).toFixed(2)} s CPU in ${(phaseWall / 1000).toFixed(2)} s)`,
  );
} finally {
  sim.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
}
