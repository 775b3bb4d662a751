import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sampleIndices } from '../../harness/stats/rng.js';
import { alpacaEvalInstructions } from '../../suites/alpacaeval/instruction-set.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';
import { AE, hasOutputs, historyCsv, leaderboardRows, refresh, workspace } from './helpers.js';

/**
 * The nightly replay with Auto-J against vllm-sim: the first night judges every model of
 * the leaderboard; each later night sends requests only for the models the CSV added
 * (their outputs are new to the store), as the simulator's own counters show.
 * A seeded subset of instructions keeps the test fast; it is the same every night.
 */
const NIGHTS = ['2024-01-25', '2024-02-27', '2024-03-25'];
const INSTRUCTIONS = 4;
const ANNOTATION_BASELINES = ['gpt4_1106_preview', 'text_davinci_003'];

function ranked(date: string): Set<string> {
  return new Set(
    leaderboardRows(historyCsv(date))
      .filter((r) => r.mode !== 'dev' && Number.isFinite(r.winRate) && hasOutputs(r.model))
      .map((r) => r.model),
  );
}

/** The distinct (instruction, output) pairs of `models` on the subset: what the judge must see. */
function prompts(models: Iterable<string>): Set<string> {
  const set = alpacaEvalInstructions().instructions;
  const chosen = new Set(sampleIndices(set.length, INSTRUCTIONS, 1).map((i) => set[i]!));
  const out = new Set<string>();
  for (const m of models) {
    const entries = JSON.parse(
      gunzipSync(readFileSync(`${AE}/results/${m}/model_outputs.json.gz`)).toString(),
    ) as {
      instruction: string;
      output: string | null;
    }[];
    for (const e of entries)
      if (chosen.has(e.instruction)) out.add(`${e.instruction}\u0000${e.output ?? ''}`);
  }
  return out;
}

describe('bench refresh with Auto-J: only new models are judged', () => {
  let sim: VllmSim;
  beforeAll(async () => {
    sim = await startVllmSim(['--time-scale', '1000']);
  });
  afterAll(() => sim.stop());

  it('replays three nights, each asking the server only for the new outputs', async () => {
    const ws = workspace();
    const store = join(ws.env.BENCH_HOME, 'judgments.sqlite');
    let before = new Set<string>();
    for (const date of NIGHTS) {
      await sim.reset();
      const r = await refresh(ws, [
        '--judge',
        'autoj',
        '--endpoint',
        sim.url,
        '--as-of',
        historyCsv(date),
        '--date',
        date,
        '--instructions',
        String(INSTRUCTIONS),
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const now = ranked(date);
      const added = [...now].filter((m) => !before.has(m));
      const stats = await sim.stats();
      // Exactly one request per (instruction, output) the store has not seen: identical
      // outputs of two models are judged once, and models judged on earlier nights not again.
      // The annotators' baselines are judged too (instance-level agreement), on the first night.
      const seen = prompts(before.size === 0 ? [] : [...before, ...ANNOTATION_BASELINES]);
      const fresh = [...prompts([...added, ...ANNOTATION_BASELINES])].filter((p) => !seen.has(p));
      expect(stats.completed).toBe(fresh.length);
      expect(stats.sequences).toBe(stats.completed);
      const s = JudgmentStore.open(store, { readonly: true });
      try {
        const perModel = new Map(
          s
            .stats()
            .usages.filter((x) => x.suite === 'alpacaeval')
            .map((x) => [x.subject, x]),
        );
        for (const m of added) expect(perModel.has(m), `${date}: ${m} judged`).toBe(true);
      } finally {
        s.close();
      }
      before = now;
    }
    // The same night again: nothing new, no request at all.
    await sim.reset();
    const again = await refresh(ws, [
      '--judge',
      'autoj',
      '--endpoint',
      sim.url,
      '--as-of',
      historyCsv(NIGHTS.at(-1)!),
      '--date',
      NIGHTS.at(-1)!,
      '--instructions',
      String(INSTRUCTIONS),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect((await sim.stats()).requests).toBe(0);
  });
});
