import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAutojJudge } from '../../harness/judge/autoj/index.js';
import type { GenerativeJudge } from '../../harness/judge/generative/judge.js';
import { LocalFiles } from '../../harness/source/files.js';
import { judgeAlpacaEval, MODELS_PER_WINDOW } from '../../suites/alpacaeval/suite.js';
import { SHARED_DATA } from '../helpers/cli.js';
import { withStoredRun } from '../helpers/stored-run.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';

/**
 * Issue 13 item 2: a rerun over stored judgments finds them through the store's task index
 * (judge identity + task digest -> key), without rendering, counting or hashing a single
 * prompt, sends nothing, and gives the cold run's result exactly; a store without index
 * rows (written before the index, or by another writer) still works by key and gets them.
 */

// more models than a window holds, so that the run crosses window boundaries
const MODELS = [
  'Conifer-7B-DPO',
  'Contextual-KTO-Mistral-PairRM',
  'Ein-70B-v0.1',
  'FsfairX-Zephyr-Chat-v0.1',
  'FuseChat-Gemma-2-9B-Instruct',
  'FuseChat-Llama-3.1-8B-Instruct',
  'FuseChat-Llama-3.2-1B-Instruct',
  'FuseChat-Llama-3.2-3B-Instruct',
  'FuseChat-Qwen-2.5-7B-Instruct',
  'GPO-Llama-3-8B-Instruct-GPM-2B',
];
const INSTRUCTIONS = 25;
// the annotators' baseline of AlpacaEval 2 (annotated models are among MODELS) is judged too,
// for instance-level agreement
const JUDGED = MODELS.length + 1;

let sim: VllmSim;
let dir: string;
beforeAll(async () => {
  sim = await startVllmSim(['--time-scale', '1000']);
  dir = mkdtempSync(join(tmpdir(), 'bench-warm-'));
});
afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** An Auto-J judge that counts the prompts it renders. */
function countingJudge(): { judge: GenerativeJudge; prepared: () => number } {
  const judge = createAutojJudge();
  let prepared = 0;
  return {
    judge: {
      ...judge,
      prepare(task) {
        prepared++;
        return judge.prepare(task);
      },
    },
    prepared: () => prepared,
  };
}

async function run(storeFile: string) {
  const { judge, prepared } = countingJudge();
  await sim.reset();
  const output = await withStoredRun(sim.url, storeFile, judge.info, (runOptions) =>
    judgeAlpacaEval({
      files: new LocalFiles(`${SHARED_DATA}/alpaca_eval`),
      cwd: dir,
      references: ['ae2'],
      models: MODELS,
      instructions: INSTRUCTIONS,
      seed: 3,
      bootstrap: 50,
      judge,
      run: runOptions,
      warn: () => {},
    }),
  );
  return { output, prepared: prepared(), requests: (await sim.stats()).requests };
}

const indexRows = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM task_index').pluck().get() as number;
  } finally {
    db.close();
  }
};

describe('warm rerun through the task index', () => {
  it('sends nothing, renders no prompt, and gives the cold result exactly', async () => {
    expect(MODELS.length).toBeGreaterThan(MODELS_PER_WINDOW);
    const file = join(dir, 'warm.sqlite');
    const cold = await run(file);
    const tasks = JUDGED * INSTRUCTIONS;
    expect(cold.output.judgments).toMatchObject({ requested: tasks, cached: 0, errors: 0 });
    expect(cold.requests).toBeGreaterThan(0);
    expect(cold.prepared).toBe(tasks);
    expect(cold.output.result.models).toHaveLength(MODELS.length);
    // every task has its index row, written with its judgment
    expect(indexRows(file)).toBe(tasks);

    const warm = await run(file);
    expect(warm.requests).toBe(0);
    expect(warm.prepared).toBe(0);
    expect(warm.output.judgments).toMatchObject({ requested: tasks, cached: tasks, sent: 0, errors: 0 });
    expect(JSON.stringify(warm.output.result)).toBe(JSON.stringify(cold.output.result));
  });

  it('a store without index rows is read by key, gets its rows, and the next rerun renders nothing', async () => {
    const file = join(dir, 'old.sqlite');
    const cold = await run(file);
    // as a store written before the index (schema v5) and the memo (v6) has neither
    const db = new Database(file);
    db.exec('DELETE FROM task_index; DELETE FROM memo');
    db.close();

    const byKey = await run(file);
    const tasks = JUDGED * INSTRUCTIONS;
    expect(byKey.requests).toBe(0);
    expect(byKey.prepared).toBe(tasks);
    expect(byKey.output.judgments).toMatchObject({ cached: tasks, sent: 0 });
    expect(JSON.stringify(byKey.output.result)).toBe(JSON.stringify(cold.output.result));
    expect(indexRows(file)).toBe(tasks);

    const warm = await run(file);
    expect(warm.prepared).toBe(0);
    expect(warm.requests).toBe(0);
    expect(JSON.stringify(warm.output.result)).toBe(JSON.stringify(cold.output.result));
  });
});
