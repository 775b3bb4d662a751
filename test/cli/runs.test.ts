import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../helpers/cli.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';

/**
 * `bench runs list` and `bench runs diff` over a length run and an Auto-J run (vllm-sim)
 * of the same models and instructions.
 */

const MODELS = ['Conifer-7B-DPO', 'Ein-70B-v0.1', 'FsfairX-Zephyr-Chat-v0.1', 'phi-2'];
const SELECTION = ['--models', ...MODELS, '--instructions', '12', '--bootstrap', '40'];

let sim: VllmSim;
let home: string;
const env = () => ({ BENCH_HOME: home });

interface Listed {
  id: string;
  suite: string;
  judge: string;
  size: number | null;
  complete: boolean | null;
  settings: string;
}

interface Diff {
  a: { judge: string };
  b: { judge: string };
  models: {
    sameScale: boolean;
    compared: number;
    spearman: { value: number | null; n: number };
    models: {
      model: string;
      a: { rank: number; rankCi95: [number, number] };
      b: { rank: number; rankCi95: [number, number] };
      rankDelta: number;
      scoreDelta: number | null;
      rankSignificant: boolean | null;
      scoreSignificant: boolean | null;
    }[];
  };
  items: {
    compared: number;
    missing: number;
    models: number;
    instructions: number;
    from: { a: string; b: string };
    spearman: { value: number | null };
    changed: number | null;
  };
}

const ids: Record<string, string> = {};
let runDocs: Record<string, { models: { model: string; rank: number; score: number }[] }> = {};
beforeAll(async () => {
  sim = await startVllmSim(['--time-scale', '1000']);
  home = mkdtempSync(join(tmpdir(), 'bench-home-'));
  runDocs = {};
  for (const judge of ['length', 'autoj', 'autoj']) {
    const r = await runBench(
      ['run', 'alpacaeval', '--judge', judge, ...SELECTION, '--endpoint', sim.url, '--json'],
      {
        env: env(),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const id = /result kept in .*\/([^/]+)\.json/.exec(r.stderr)![1]!;
    ids[ids[judge] ? `${judge}-again` : judge] = id;
    runDocs[id] = JSON.parse(r.stdout) as (typeof runDocs)[string];
  }
}, 120_000);
afterAll(async () => {
  await sim?.stop();
});

describe('bench runs list', () => {
  it('lists every archived run: suite, judge, settings, size, date, complete or partial', async () => {
    const r = await runBench(['runs', 'list', '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const { runs } = JSON.parse(r.stdout) as { runs: Listed[] };
    expect(runs.map((x) => x.id)).toEqual([ids.length, ids.autoj, ids['autoj-again']]);
    expect(runs[0]).toMatchObject({
      suite: 'alpacaeval',
      judge: 'length',
      // the judgments asked for: the models' and the two annotators' baselines' (instance-level
      // agreement judges them too)
      size: (MODELS.length + 2) * 12,
      complete: false,
      settings: '4 models, 12 of 805 instructions, seed 1, bootstrap 40, references ae1 ae2 ae2-lc',
    });
    const table = await runBench(['runs', 'list', '--judge', 'autoj'], { env: env() });
    const lines = table.stdout.trim().split('\n');
    expect(lines).toHaveLength(4); // header, rule, two autoj runs
    expect(lines[2]).toContain(ids.autoj);
    expect(lines[2]).toContain('partial');
  });
});

describe('bench runs diff', () => {
  it('reads the outputs from the source the runs were made with when none is given', async () => {
    const given = JSON.parse(
      (await runBench(['runs', 'diff', ids.length!, ids.autoj!, '--json'], { env: env() })).stdout,
    ) as Diff;
    // no --source and no $ALPACA_EVAL_SOURCE: not the upstream default (a download), the manifests' source
    const r = await runBench(['runs', 'diff', ids.length!, ids.autoj!, '--json'], {
      env: { ...env(), ALPACA_EVAL_SOURCE: '' },
    });
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Diff;
    expect(d.items.compared).toBe(given.items.compared);
    expect(d.items.compared).toBeGreaterThan(0);
  });

  it('compares a length run with an Auto-J run of the same models: rank deltas with significance, items from the store', async () => {
    const r = await runBench(['runs', 'diff', ids.length!, ids.autoj!, '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Diff;
    expect(d.a.judge).toBe('length');
    expect(d.b.judge).toBe('autoj');
    expect(d.models.sameScale).toBe(false);
    expect(d.models.compared).toBe(MODELS.length);
    const rankIn = (id: string, model: string) => runDocs[id]!.models.find((m) => m.model === model)!.rank;
    for (const m of d.models.models) {
      expect(m.a.rank).toBe(rankIn(ids.length!, m.model));
      expect(m.b.rank).toBe(rankIn(ids.autoj!, m.model));
      expect(m.rankDelta).toBe(m.b.rank - m.a.rank);
      expect(m.scoreDelta).toBeNull(); // other scales
      const apart = m.a.rankCi95[1] < m.b.rankCi95[0] || m.b.rankCi95[1] < m.a.rankCi95[0];
      expect(m.rankSignificant).toBe(apart);
    }
    // every (model, instruction): the length recomputed, Auto-J's rating read from the store
    expect(d.items).toMatchObject({
      models: MODELS.length,
      instructions: 12,
      from: { a: 'recomputed', b: 'store' },
    });
    expect(d.items.compared + d.items.missing).toBe(MODELS.length * 12);
    expect(d.items.compared).toBeGreaterThan(40);
    expect(d.items.spearman.value).not.toBeNull();
    expect(d.items.changed).toBeNull();

    const table = await runBench(['runs', 'diff', ids.length!, ids.autoj!], { env: env() });
    expect(table.stdout).toContain(`${MODELS.length} models ranked in both`);
    expect(table.stdout).toMatch(
      /items: \d+ \(model, instruction\) compared over 4 models x 12 instructions/,
    );
  });

  it('finds nothing changed between two Auto-J runs of the same items', async () => {
    const r = await runBench(['runs', 'diff', ids.autoj!, ids['autoj-again']!, '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Diff;
    expect(d.models.sameScale).toBe(true);
    expect(
      d.models.models.every((m) => m.rankDelta === 0 && m.scoreDelta === 0 && m.scoreSignificant === false),
    ).toBe(true);
    expect(d.items).toMatchObject({ changed: 0, missing: 0, from: { a: 'store', b: 'store' } });
  });

  it('reads the same items from a store without task-index rows (by key, rendering the prompts)', async () => {
    const diff = async () =>
      JSON.parse(
        (await runBench(['runs', 'diff', ids.length!, ids.autoj!, '--json'], { env: env() })).stdout,
      ) as Diff;
    const indexed = await diff();
    const db = new Database(join(home, 'judgments.sqlite'));
    const rows = db.prepare('SELECT * FROM task_index').all();
    db.exec('DELETE FROM task_index');
    try {
      const byKey = await diff();
      expect(byKey.items).toEqual(indexed.items);
      expect(byKey.models).toEqual(indexed.models);
    } finally {
      // put the rows back for the tests after this one
      const put = db.prepare('INSERT INTO task_index (identity, task, key) VALUES (@identity, @task, @key)');
      for (const row of rows) put.run(row);
      db.close();
    }
  });

  it('says in one line which run it cannot find', async () => {
    const r = await runBench(['runs', 'diff', ids.length!, 'no-such-run'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bench: no-such-run: neither a run of .* nor a result file\n$/);
  });
});
