import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAutojJudge } from '../../harness/judge/autoj/index.js';
import type { GenerativeJudge } from '../../harness/judge/generative/judge.js';
import type { JudgmentCache } from '../../harness/runner/run-judgments.js';
import { LocalFiles } from '../../harness/source/files.js';
import { judgeAlpacaEval } from '../../suites/alpacaeval/suite.js';
import { SHARED_DATA } from '../helpers/cli.js';
import { withStoredRun } from '../helpers/stored-run.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';

/**
 * Issue 13 item 2: a model whose judgments were all stored when it was last reduced is
 * reduced from the store's memo on a rerun (its file's bytes, the judge's request identity,
 * the instructions and the code unchanged): no judgment is looked up and no prompt rendered,
 * and the result is the cold run's. A changed file is judged again, only where it changed;
 * a model with a failed judgment is not memoised, so the next run asks it again.
 */

const MODELS = ['Conifer-7B-DPO', 'Ein-70B-v0.1', 'FuseChat-Gemma-2-9B-Instruct', 'phi-2'];
const INSTRUCTIONS = 12;
const SEED = 3;

let sim: VllmSim;
let dir: string;
let source: string;
beforeAll(async () => {
  sim = await startVllmSim(['--time-scale', '1000']);
  dir = mkdtempSync(join(tmpdir(), 'bench-memo-'));
  // a source of its own, whose files the tests change: the submissions, the baseline, src/
  source = join(dir, 'source');
  const from = `${SHARED_DATA}/alpaca_eval`;
  cpSync(join(from, 'src'), join(source, 'src'), { recursive: true });
  for (const model of [...MODELS, 'gpt4_1106_preview']) {
    mkdirSync(join(source, 'results', model), { recursive: true });
    for (const name of readdirSync(join(from, 'results', model))) {
      cpSync(join(from, 'results', model, name), join(source, 'results', model, name), { recursive: true });
    }
  }
});
afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The run's judge and store, counting the prompts rendered and the judgments looked up. */
async function run(storeFile: string) {
  const judge = createAutojJudge();
  let prepared = 0;
  let lookedUp = 0;
  const counting: GenerativeJudge = {
    ...judge,
    prepare(task) {
      prepared++;
      return judge.prepare(task);
    },
  };
  await sim.reset();
  const output = await withStoredRun(sim.url, storeFile, judge.info, (runOptions) => {
    const cache = runOptions.cache!;
    const spied: JudgmentCache = {
      ...cache,
      lookup(keys) {
        lookedUp += keys.length;
        return cache.lookup(keys);
      },
      lookupTasks(identity, digests) {
        lookedUp += digests.length;
        return cache.lookupTasks!(identity, digests);
      },
      record: (entry) => cache.record(entry),
      flush: () => cache.flush(),
    };
    return judgeAlpacaEval({
      files: new LocalFiles(source),
      cwd: dir,
      references: ['ae2'],
      models: MODELS,
      instructions: INSTRUCTIONS,
      seed: SEED,
      bootstrap: 40,
      judge: counting,
      run: { ...runOptions, cache: spied },
      warn: () => {},
    });
  });
  return { output, prepared, lookedUp, requests: (await sim.stats()).requests };
}

const memoRows = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare("SELECT count(*) FROM memo WHERE key LIKE 'alpacaeval/reduction/%'")
      .pluck()
      .get() as number;
  } finally {
    db.close();
  }
};

const modelOf = (r: Awaited<ReturnType<typeof run>>, model: string) =>
  r.output.result.models.find((m) => m.model === model)!;

/** Writes `model`'s outputs as model_outputs.json (read before the .gz), `change` applied to them. */
function rewrite(model: string, change: (rows: { instruction: string; output: string }[]) => void): void {
  const gz = join(SHARED_DATA, 'alpaca_eval', 'results', model, 'model_outputs.json.gz');
  const rows = JSON.parse(gunzipSync(readFileSync(gz)).toString('utf8')) as {
    instruction: string;
    output: string;
  }[];
  change(rows);
  writeFileSync(join(source, 'results', model, 'model_outputs.json'), JSON.stringify(rows));
}

describe('model reductions memoised in the store', () => {
  it('a rerun looks up no judgment and renders no prompt, and gives the cold result exactly', async () => {
    const file = join(dir, 'warm.sqlite');
    const cold = await run(file);
    expect(cold.requests).toBeGreaterThan(0);
    expect(cold.output.judgments!.errors).toBe(0);
    // every judged model (the annotators' baseline too) is memoised
    expect(memoRows(file)).toBe(MODELS.length + 1);

    const warm = await run(file);
    expect(warm.requests).toBe(0);
    expect(warm.prepared).toBe(0);
    expect(warm.lookedUp).toBe(0);
    const { requested, unparsed } = cold.output.judgments!;
    expect(warm.output.judgments).toEqual({ requested, cached: requested, sent: 0, unparsed, errors: 0 });
    expect(JSON.stringify(warm.output.result)).toBe(JSON.stringify(cold.output.result));
  });

  it('a changed file is judged again where it changed; a model with a failed judgment is asked again next time', async () => {
    const file = join(dir, 'changed.sqlite');
    const cold = await run(file);
    const at = cold.output.result.instructionIndices;
    // phi-2 answers one judged instruction differently
    rewrite('phi-2', (rows) => {
      rows[at[0]!]!.output = 'A different answer, written after the first run.';
    });
    const changed = await run(file);
    expect(changed.requests).toBe(1);
    expect(changed.prepared).toBe(1);
    // only phi-2's tasks are looked up: in the task index, and the new one by its key too
    expect(changed.lookedUp).toBe(INSTRUCTIONS + 1);
    expect(modelOf(changed, 'phi-2').contentHash).not.toBe(modelOf(cold, 'phi-2').contentHash);
    for (const model of MODELS.filter((m) => m !== 'phi-2')) {
      expect(modelOf(changed, model)).toEqual(modelOf(cold, model));
    }

    // Conifer's answer to one judged instruction is a run of box-drawing characters: few
    // Llama-2 tokens (the harness fits it), many bytes (the simulator's lenient count
    // rejects it): a failed judgment, asked again by every run until it is stored
    rewrite('Conifer-7B-DPO', (rows) => {
      rows[at[1]!]!.output = '─'.repeat(12_000);
    });
    const failed = await run(file);
    expect(failed.output.judgments!.errors).toBe(1);
    const again = await run(file);
    expect(again.output.judgments!.errors).toBe(1);
    expect(again.requests).toBe(1);
    expect(again.lookedUp).toBe(INSTRUCTIONS + 1);
    expect(JSON.stringify(again.output.result.correlations)).toBe(
      JSON.stringify(failed.output.result.correlations),
    );
  });
});
