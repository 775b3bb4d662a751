/**
 * Times `bench run alpacaeval --judge length` over every submission of the shared data
 * (AlpacaEval 2's ~210 models x 805 outputs, ~330 MB of JSON), bootstrap included, and
 * prints wall time, CPU time and peak memory. Runs the real CLI in this process so the
 * peak RSS is the CLI's own.
 *
 *   npm run build && node dist/benchmarks/length-run.js [--source DIR] [--bootstrap N]
 */
import { resolve } from 'node:path';
import { benchCommands } from '../harness/cli/commands/index.js';
import { runCli } from '../harness/cli/program.js';
import { builtInSuites } from '../suites/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const source = resolve(option('source', '../shared/data/alpaca_eval'));
const bootstrap = option('bootstrap', '1000');
const reference = option('reference', 'ae2');

let stdout = '';
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const code = await runCli(
  ['run', 'alpacaeval', '--judge', 'length', '--reference', reference, '--bootstrap', bootstrap, '--json'],
  {
    stdout: (t) => {
      stdout += t;
    },
    stderr: () => {},
    stderrIsTTY: false,
    env: { ...process.env, ALPACA_EVAL_SOURCE: source },
    cwd: process.cwd(),
    signal: new AbortController().signal,
  },
  benchCommands(builtInSuites),
);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
if (code !== 0) {
  console.error(`bench exited ${code}`);
  process.exitCode = code;
} else {
  const doc = JSON.parse(stdout) as {
    models: unknown[];
    correlations: { reference: string; n: number; spearman: { value: number } }[];
  };
  const c = doc.correlations[0]!;
  console.log(
    `length judge, reference ${reference}: ${doc.models.length} models judged, ${c.n} compared, spearman ${c.spearman.value.toFixed(4)}`,
  );
  console.log(`bootstrap resamples: ${bootstrap}`);
  console.log(`wall time: ${wall.toFixed(2)} s`);
  console.log(
    `cpu time:  ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, system ${(cpu.system / 1e6).toFixed(2)})`,
  );
  console.log(`peak RSS:  ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
