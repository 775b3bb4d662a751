// Derives the 805 AlpacaEval instructions from the submissions (upstream keeps the eval
// set on a dataset hub this harness does not depend on). An instruction belongs to the
// set when more than half of the submissions answer it; order and `dataset` tags follow
// the AlpacaEval 2 baseline (gpt4_1106_preview), whose file holds all 805.
// Usage: node scripts/derive-instruction-set.mjs ../shared/data/alpaca_eval > suites/alpacaeval/instructions.json
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';

const root = process.argv[2];
const results = path.join(root, 'results');
const read = (dir) => {
  const f = ['model_outputs.json', 'model_outputs.json.gz']
    .map((n) => path.join(results, dir, n))
    .find(fs.existsSync);
  if (!f) return null;
  const buf = fs.readFileSync(f);
  return JSON.parse((f.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8'));
};
const counts = new Map();
const dirs = fs.readdirSync(results);
for (const d of dirs) {
  const arr = read(d);
  if (!Array.isArray(arr)) continue;
  for (const i of new Set(arr.map((e) => e.instruction))) counts.set(i, (counts.get(i) ?? 0) + 1);
}
const baseline = read('gpt4_1106_preview');
const set = baseline
  .filter((e) => (counts.get(e.instruction) ?? 0) * 2 > dirs.length)
  .map((e) => ({ dataset: e.dataset, instruction: e.instruction }));
if (set.length !== 805) throw new Error(`expected 805 instructions, got ${set.length}`);
process.stdout.write(
  JSON.stringify(
    {
      source: 'tatsu-lab/alpaca_eval cd543a1, derived from submissions',
      count: set.length,
      instructions: set,
    },
    null,
    0,
  ) + '\n',
);
