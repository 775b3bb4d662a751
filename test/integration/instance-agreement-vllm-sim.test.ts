import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AlpacaEvalResult } from '../../suites/alpacaeval/result.js';
import { alpacaEvalInstructions } from '../../suites/alpacaeval/instruction-set.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';
import { loggedSimForFile, readSimLog, type SimLogLine } from '../helpers/vllm-sim.js';

const AE = `${SHARED_DATA}/alpaca_eval`;
const MODEL = 'phi-2';
const { work, log, sim } = loggedSimForFile('bench-instance-sim');

const gz = <T>(path: string) => JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as T;
function outputsOf(model: string): Map<string, string> {
  const byText = new Map<string, string>();
  for (const e of gz<{ instruction: string; output: string | null }[]>(
    `${AE}/results/${model}/model_outputs.json.gz`,
  ))
    if (!byText.has(e.instruction)) byText.set(e.instruction, e.output ?? '');
  return byText;
}

type V = 'first' | 'second' | 'tie';

describe('instance-level agreement of Auto-J (vllm-sim), recomputed from the simulator log', () => {
  it("compares the ratings the server gave the model's and the baseline's outputs with GPT-4's verdicts", async () => {
    const r = await runBench(
      [
        'run',
        'alpacaeval',
        '--endpoint',
        sim().url,
        '--models',
        MODEL,
        '--instructions',
        '60',
        '--bootstrap',
        '0',
        '--json',
      ],
      { env: { BENCH_HOME: join(work, 'home') } },
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as AlpacaEvalResult;
    const lines = await readSimLog(log, doc.manifest.judgments.sent);
    // The rating the server gave a response (a response too long for the context went cut).
    const ratingOf = (query: string, output: string): number | null => {
      const q = query.trim();
      const o = output.trim();
      const line =
        lines.find((l: SimLogLine) => l.query === q && l.responses[0] === o) ??
        lines.find((l) => l.query === q && l.responses[0]!.length > 1000 && o.startsWith(l.responses[0]!));
      expect(line, `no server answer for ${JSON.stringify(q.slice(0, 40))}`).toBeDefined();
      return line!.rating;
    };
    const instructions = alpacaEvalInstructions().instructions;
    for (const [annotator, baseline] of [
      ['weighted_alpaca_eval_gpt4_turbo', 'gpt4_1106_preview'],
      ['alpaca_eval_gpt4', 'text_davinci_003'],
    ] as const) {
      const own = outputsOf(MODEL);
      const base = outputsOf(baseline);
      const gpt4 = new Map<string, number | null>();
      for (const e of gz<{ instruction: string; preference: number | null }[]>(
        `${AE}/results/${MODEL}/${annotator}/annotations.json.gz`,
      ))
        if (!gpt4.has(e.instruction)) gpt4.set(e.instruction, e.preference);
      const pairs: [V, V][] = [];
      for (const i of doc.instructionIndices) {
        const q = instructions[i]!;
        const p = gpt4.get(q);
        if (p === undefined || p === null || !own.has(q) || !base.has(q)) continue;
        const rm = ratingOf(q, own.get(q)!);
        const rb = ratingOf(q, base.get(q)!);
        if (rm === null || rb === null) continue;
        const judge: V = rb > rm ? 'first' : rm > rb ? 'second' : 'tie';
        pairs.push([judge, p === 0 || p === 1.5 ? 'tie' : p < 1.5 ? 'first' : 'second']);
      }
      const n = pairs.length;
      const same = pairs.filter(([j, a]) => j === a).length;
      let chance = 0;
      for (const v of ['first', 'second', 'tie'] as const)
        chance += (pairs.filter((x) => x[0] === v).length / n) * (pairs.filter((x) => x[1] === v).length / n);
      const got = doc.instanceAgreement!.annotators.find((a) => a.annotator === annotator)!;
      expect(got.models.map((m) => m.model)).toEqual([MODEL]);
      const row = got.models[0]!;
      expect(row.n).toBe(n);
      expect(row.n).toBeGreaterThan(40);
      expect(Math.abs(row.agreement! - (100 * same) / n)).toBeLessThan(1e-9);
      expect(Math.abs(row.kappa! - (same / n - chance) / (1 - chance))).toBeLessThan(1e-9);
      expect(row.verdicts!.judge.tie).toBe(pairs.filter(([j]) => j === 'tie').length);
    }
    // the baselines were judged for this, in the same run, but are neither ranked nor listed
    expect(doc.models.map((m) => m.model)).toEqual([MODEL]);
    expect(doc.skipped.map((s) => s.model)).not.toContain('gpt4_1106_preview');
  });
});
