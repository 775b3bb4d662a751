/**
 * Every AlpacaEval output (~183k) and both orders of Auto-J's 1,392 pairwise test pairs
 * through the Auto-J judge's `prepare`: prints the CPU time per prepared request, how many
 * were truncated, the largest request a Llama-2 server would see (exact prompt tokens plus
 * max_tokens; it must stay <= 4096: exits 1 otherwise) and how many requests vllm-sim
 * would refuse although they fit (it counts bytes / 6, and Llama-2 packs runs of `-` or
 * spaces 16 characters to a token). The test suite checks the 150 longest outputs; this
 * covers all of them (about a minute).
 *
 * It also fits every prompt with the counter the `autoj` profile used before issue 9 (the
 * exact Llama-2 count floored at ceil(utf8 bytes / 4), vllm-sim's count then) and prints
 * how many prompts that floor counted higher than they are and how many it fitted
 * differently (cut when they fit whole, or cut shorter).
 *
 *   npm run build && node dist/benchmarks/autoj-prepare-corpus.js [--source DIR] [--data DIR]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { JudgeTask } from '../harness/core/types.js';
import { createAutojJudge, type AutojJudge } from '../harness/judge/autoj/judge.js';
import {
  fitsWithin,
  llama2TokenCounter,
  simTokenCounter,
  utf8Bytes,
  type TokenCounter,
} from '../harness/judge/autoj/tokens.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return resolve(i >= 0 ? process.argv[i + 1]! : fallback);
};
const results = resolve(arg('source', '../shared/data/alpaca_eval'), 'results');
const pairwiseFile = resolve(arg('data', '../shared/data/auto-j'), 'data/test/testdata_pairwise.jsonl');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const floor4 = (text: string) => Math.max(1, Math.ceil(utf8Bytes(text) / 4));

/** The `autoj` profile's counter before issue 9: max(exact Llama-2, ceil(bytes / 4)). */
function flooredAtBytes4(counter: TokenCounter): TokenCounter {
  return {
    name: `${counter.name}|bytes/4`,
    count: (text) => Math.max(counter.count(text), floor4(text)),
    atMost: (text, max) => floor4(text) <= max && fitsWithin(counter, text, max),
  };
}

function alpacaTasks(): JudgeTask[] {
  const tasks: JudgeTask[] = [];
  for (const model of readdirSync(results).sort()) {
    const file = `${results}/${model}/model_outputs.json.gz`;
    if (!existsSync(file)) continue;
    const data = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
      instruction: string;
      output: string | null;
    }[];
    for (const r of data)
      tasks.push({ protocol: 'single', instruction: r.instruction, response: r.output ?? '' });
  }
  return tasks;
}

function pairwiseTasks(): JudgeTask[] {
  const tasks: JudgeTask[] = [];
  for (const line of readFileSync(pairwiseFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as { prompt: string; 'response 1': string; 'response 2': string };
    const [a, b] = [r['response 1'], r['response 2']];
    tasks.push({ protocol: 'pairwise', instruction: r.prompt, first: a, second: b });
    tasks.push({ protocol: 'pairwise', instruction: r.prompt, first: b, second: a });
  }
  return tasks;
}

interface Figures {
  prompts: number;
  truncated: number;
  truncatedBefore: number;
  /** the floor counted the whole prompt higher than Llama-2 does */
  countedHigher: number;
  /** fitted differently from before: cut when whole now, or cut elsewhere */
  fittedDifferently: number;
  cutOnlyBefore: number;
  /** pairs (both orders) with at least one order cut only before */
  pairsCutOnlyBefore: number;
  largestLlama2: number;
  /** requests vllm-sim (bytes / 6) would refuse for its 4,096-token context */
  simRefuses: number;
  cpuUsPerPrepare: number;
}

function measure(
  tasks: readonly JudgeTask[],
  exact: AutojJudge,
  before: AutojJudge,
  whole: AutojJudge,
): Figures {
  const llama2 = llama2TokenCounter();
  const f: Figures = {
    prompts: tasks.length,
    truncated: 0,
    truncatedBefore: 0,
    countedHigher: 0,
    fittedDifferently: 0,
    cutOnlyBefore: 0,
    pairsCutOnlyBefore: 0,
    largestLlama2: 0,
    simRefuses: 0,
    cpuUsPerPrepare: 0,
  };
  let cpu = 0;
  let pairCut = false;
  tasks.forEach((task, i) => {
    const t0 = cpuMs();
    const req = exact.prepare(task);
    cpu += cpuMs() - t0;
    const old = before.prepare(task);
    if (req.truncation) f.truncated++;
    if (old.truncation) f.truncatedBefore++;
    if (old.prompt !== req.prompt) f.fittedDifferently++;
    if (old.truncation && !req.truncation) {
      f.cutOnlyBefore++;
      pairCut = true;
    }
    if (task.protocol === 'pairwise' && i % 2 === 1) {
      if (pairCut) f.pairsCutOnlyBefore++;
      pairCut = false;
    }
    const full = whole.prepare(task).prompt;
    if (floor4(full) > llama2.count(full)) f.countedHigher++;
    const max = req.sampling.max_tokens;
    f.largestLlama2 = Math.max(f.largestLlama2, llama2.count(req.prompt) + max);
    if (simTokenCounter.count(req.prompt) + max > 4096) f.simRefuses++;
  });
  f.cpuUsPerPrepare = (1000 * cpu) / tasks.length;
  return f;
}

const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}%`;
function report(name: string, f: Figures): void {
  console.log(`${name}: ${f.prompts} prompts`);
  console.log(`  cpu per prepare:        ${f.cpuUsPerPrepare.toFixed(1)} us`);
  console.log(
    `  truncated:              ${f.truncated} (before issue 9, with the bytes/4 floor: ${f.truncatedBefore})`,
  );
  console.log(`  counted higher by the floor: ${f.countedHigher} (${pct(f.countedHigher, f.prompts)})`);
  console.log(
    `  fitted differently:     ${f.fittedDifferently} (cut only by the floor: ${f.cutOnlyBefore}` +
      `${name === 'pairwise' ? `, in ${f.pairsCutOnlyBefore} pairs` : ''})`,
  );
  console.log(`  largest request, Llama-2 tokens + max_tokens: ${f.largestLlama2} (limit 4096)`);
  console.log(`  vllm-sim (bytes/6) would refuse: ${f.simRefuses} of the requests that fit`);
  if (f.largestLlama2 > 4096) process.exitCode = 1;
}

for (const [name, protocol, tasks] of [
  ['alpacaeval', 'single', alpacaTasks()],
  ['pairwise', 'pairwise', pairwiseTasks()],
] as const) {
  const exact = createAutojJudge({ protocol, tokenCounter: llama2TokenCounter() });
  const before = createAutojJudge({ protocol, tokenCounter: flooredAtBytes4(llama2TokenCounter()) });
  // a context no prompt fills: its prompts are never cut
  const whole = createAutojJudge({ protocol, maxModelLen: 1 << 30 });
  report(name, measure(tasks, exact, before, whole));
}
