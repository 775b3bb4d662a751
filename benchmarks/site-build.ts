/**
 * Times the report site build for all of AlpacaEval 2 with the length judge's result
 * (~227 models: overview, leaderboard with three charts, a page per model, paper page),
 * and prints wall time, CPU time and peak memory. The judging itself is not timed: the
 * result comes from --result FILE, else the newest archived length run, else a length
 * run made here first.
 *
 *   npm run build && node dist/benchmarks/site-build.js [--result FILE] [--source DIR] [--autoj-like]
 *
 * --autoj-like also gives every model ratings with best/worst items (as an Auto-J run
 * has), so each model page reads its submission for the responses: the heavier build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchCommands } from '../harness/cli/commands/index.js';
import { runCli } from '../harness/cli/program.js';
import { buildSite, sourceOutputs } from '../harness/report/index.js';
import { openSourceFiles } from '../harness/source/files.js';
import { listRuns } from '../harness/store/run-archive.js';
import { alpacaEvalInstructions } from '../suites/alpacaeval/instruction-set.js';
import { bundledPaperFile, readPaperTable } from '../suites/alpacaeval/paper-table.js';
import { alpacaEvalSection } from '../suites/alpacaeval/report/section.js';
import type { AlpacaEvalResult, ItemRef } from '../suites/alpacaeval/result.js';
import { builtInSuites } from '../suites/index.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const source = resolve(option('source') ?? '../shared/data/alpaca_eval');
const autojLike = args.includes('--autoj-like');

async function lengthResult(): Promise<{ result: AlpacaEvalResult; from: string }> {
  const given = option('result');
  if (given) return { result: JSON.parse(await readFile(given, 'utf8')) as AlpacaEvalResult, from: given };
  const archived = (await listRuns(resolve('.bench/runs'))).filter(
    (r) => r.suite === 'alpacaeval' && r.judge === 'length',
  );
  for (const run of archived.reverse()) {
    const result = JSON.parse(await readFile(run.file, 'utf8')) as AlpacaEvalResult;
    if (result.settings.instructions === result.settings.instructionSetSize && result.models.length > 200) {
      return { result, from: run.file };
    }
  }
  console.error('no archived full length run: judging with the length judge first (not timed)...');
  const home = mkdtempSync(join(tmpdir(), 'bench-site-'));
  let stdout = '';
  const code = await runCli(
    ['run', 'alpacaeval', '--judge', 'length', '--bootstrap', '200', '--json'],
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => {},
      stderrIsTTY: false,
      env: { ...process.env, ALPACA_EVAL_SOURCE: source, BENCH_HOME: home },
      cwd: process.cwd(),
      signal: new AbortController().signal,
    },
    benchCommands(builtInSuites),
  );
  rmSync(home, { recursive: true, force: true });
  if (code !== 0) throw new Error(`bench run alpacaeval exited ${code}`);
  return { result: JSON.parse(stdout) as AlpacaEvalResult, from: 'a fresh length run' };
}

/** Ratings 1-10 and best/worst items on every model, as an Auto-J result has them. */
function withRatings(result: AlpacaEvalResult): AlpacaEvalResult {
  return {
    ...result,
    judge: { ...result.judge, name: 'length-as-autoj', scale: { min: 1, max: 10 } },
    models: result.models.map((m, mi) => {
      const items: ItemRef[] = result.instructionIndices.map((index, k) => ({
        index,
        rating: 1 + ((index * 7 + mi * 3 + k) % 10),
        key: `k${mi}-${index}`,
      }));
      const histogram: Record<string, number> = {};
      for (const it of items) histogram[String(it.rating)] = (histogram[String(it.rating)] ?? 0) + 1;
      const sorted = [...items].sort((a, b) => b.rating! - a.rating! || a.index - b.index);
      return { ...m, histogram, best: sorted.slice(0, 5), worst: sorted.slice(-5).reverse(), failures: [] };
    }),
  };
}

const { result, from } = await lengthResult();
const run = autojLike ? withRatings(result) : result;
const instructions = alpacaEvalInstructions().instructions;
const files = openSourceFiles(source, { cacheDir: join(tmpdir(), 'bench-site-cache') });
const out = join(mkdtempSync(join(tmpdir(), 'bench-site-out-')), 'site');
const paper = await readPaperTable(bundledPaperFile());

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await buildSite(
  {
    sections: [
      alpacaEvalSection({
        alpacaeval: [{ result: run }],
        paper,
        instructions,
        outputs: sourceOutputs(files, instructions),
        critiques: (key) => ({ text: `critique for ${key}\nRating: [[5]]`, finishReason: 'stop' }),
      }),
    ],
  },
  out,
);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  `result: ${from} (${run.judge.name}, ${run.models.length} models, ${run.settings.instructions} instructions)`,
);
console.log(
  `pages: ${summary.pages.length}${autojLike ? ' (model pages with responses read from the submissions)' : ''}`,
);
console.log(`build time: ${wall.toFixed(2)} s (target < 10 s)`);
console.log(`cpu time:   ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
console.log(`peak RSS:   ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
rmSync(resolve(out, '..'), { recursive: true, force: true });
