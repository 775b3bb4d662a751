/**
 * Every AlpacaEval output (~183k) through the Auto-J judge's `prepare`: prints the CPU
 * time per prepared request, how many were truncated, and the largest request vllm-sim
 * would see (ceil(bytes/4) + max_tokens; it must stay <= 4096). Exits 1 if one does not fit.
 * The test suite checks the 150 longest outputs; this covers all of them (about 20 s).
 *
 *   npm run build && node dist/benchmarks/autoj-prepare-corpus.js [--source DIR]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createAutojJudge } from '../harness/judge/autoj/judge.js';
import { simTokenCounter } from '../harness/judge/autoj/tokens.js';

const i = process.argv.indexOf('--source');
const results = resolve(i >= 0 ? process.argv[i + 1]! : '../shared/data/alpaca_eval', 'results');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const rows: { instruction: string; output: string }[] = [];
for (const model of readdirSync(results).sort()) {
  const file = `${results}/${model}/model_outputs.json.gz`;
  if (!existsSync(file)) continue;
  const data = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
    instruction: string;
    output: string | null;
  }[];
  for (const r of data) rows.push({ instruction: r.instruction, output: r.output ?? '' });
}
const judge = createAutojJudge();
let truncated = 0;
let truncatedMs = 0;
let worst = 0;
const start = cpuMs();
for (const r of rows) {
  const t0 = cpuMs();
  const req = judge.prepare({ protocol: 'single', instruction: r.instruction, response: r.output });
  if (req.truncation) {
    truncated++;
    truncatedMs += cpuMs() - t0;
  }
  worst = Math.max(worst, simTokenCounter.count(req.prompt) + req.sampling.max_tokens);
}
const total = cpuMs() - start;
console.log(`outputs prepared: ${rows.length}`);
console.log(`cpu per prepare:  ${((1000 * total) / rows.length).toFixed(1)} us`);
console.log(`truncated:        ${truncated} (${truncatedMs.toFixed(0)} ms of CPU)`);
console.log(`largest vllm-sim request: ${worst} tokens (limit 4096)`);
if (worst > 4096) process.exitCode = 1;
