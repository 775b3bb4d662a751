import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

/**
 * `bench run alpacaeval --model-outputs FILE [--name ID]`: one submission's file, judged
 * and placed in the judge's stored leaderboard (its newest complete run here), lands where
 * the full run placed the submission it was made from.
 */

const SUBMISSION = 'phi-2';

interface Doc {
  models: { model: string; score: number | null; rank: number | null; scoreCi95?: [number, number] }[];
  settings: { models: string[] | 'all'; instructions: number; bootstrap: number };
  placement?: {
    model: string;
    rank: number | null;
    of: number;
    score: number | null;
    scoreCi95?: [number, number];
    leaderboard: { run: string; publishedAs: string };
  };
}

let home: string;
let work: string;
let full: Doc;
let file: string;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'bench-home-'));
  work = mkdtempSync(join(tmpdir(), 'bench-place-'));
  const r = await runBench(['run', 'alpacaeval', '--judge', 'length', '--bootstrap', '20', '--json'], {
    env: { BENCH_HOME: home },
  });
  expect(r.code, r.stderr).toBe(0);
  full = JSON.parse(r.stdout) as Doc;
  // a file made from one submission, as a user would have it (not gzipped)
  file = join(work, 'my-outputs.json');
  writeFileSync(
    file,
    gunzipSync(readFileSync(`${SHARED_DATA}/alpaca_eval/results/${SUBMISSION}/model_outputs.json.gz`)),
  );
}, 120_000);

const place = (...args: string[]) =>
  runBench(['run', 'alpacaeval', '--judge', 'length', ...args], { env: { BENCH_HOME: home }, cwd: work });

describe('bench run alpacaeval --model-outputs', () => {
  it('places a file made from one submission where the full run places that submission', async () => {
    const r = await place('--model-outputs', 'my-outputs.json', '--name', 'my-model', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    const original = full.models.find((m) => m.model === SUBMISSION)!;
    expect(original.rank).not.toBeNull();
    expect(doc.placement).toMatchObject({
      model: 'my-model',
      rank: original.rank,
      score: original.score,
      scoreCi95: original.scoreCi95,
      of: full.models.filter((m) => m.rank !== null).length + 1,
      leaderboard: { publishedAs: 'complete' },
    });
    // the leaderboard's selection, with the new model: every other model scores as before
    expect(doc.settings).toMatchObject({ instructions: full.settings.instructions, bootstrap: 20 });
    expect(doc.settings.models).toEqual([...full.models.map((m) => m.model), 'my-model']);
    const scores = new Map(doc.models.map((m) => [m.model, m.score]));
    for (const m of full.models) expect(scores.get(m.model), m.model).toBe(m.score);
    // the table says it first
    const table = await place('--model-outputs', file, '--name', 'my-model');
    expect(table.stdout.split('\n')[0]).toMatch(
      new RegExp(`^my-model: rank ${original.rank} of ${doc.placement!.of} .* in the stored leaderboard`),
    );
  }, 120_000);

  it('names the model after the file’s generator, which must be a new, safe id', async () => {
    const taken = await place('--model-outputs', file);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(
      new RegExp(
        `\nbench: ${file}: ${SUBMISSION} is a model of the stored length leaderboard already .*--name.*\\n$`,
      ),
    );
    const rows = JSON.parse(readFileSync(file, 'utf8')) as { generator: string }[];
    const unsafe = join(work, 'unsafe.json');
    writeFileSync(unsafe, JSON.stringify(rows.map((row) => ({ ...row, generator: '../../etc' }))));
    const bad = await place('--model-outputs', unsafe);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /\nbench: \S*unsafe\.json: its generator "\.\.\/\.\.\/etc" is not a valid model id .*--name ID\n$/,
    );
    const badName = await place('--model-outputs', file, '--name', 'a/b');
    expect(badName.stderr).toMatch(/\nbench: \S*my-outputs\.json: --name "a\/b" is not a valid model id/);
    // validated as any submission: a file it cannot read, or one that answers too little, places nothing
    const broken = join(work, 'broken.json');
    writeFileSync(broken, JSON.stringify({ outputs: rows }));
    const notArray = await place('--model-outputs', broken, '--name', 'broken');
    expect(notArray.code).toBe(1);
    expect(notArray.stderr).toMatch(
      /\nbench: \S*broken\.json: expected a JSON array of \{instruction, output\} entries.*\n$/,
    );
    const few = join(work, 'few.json');
    writeFileSync(few, JSON.stringify(rows.slice(0, 10)));
    const tooFew = await place('--model-outputs', few, '--name', 'few');
    expect(tooFew.code).toBe(1);
    expect(tooFew.stderr).toMatch(/\nbench: \S*few\.json: coverage 10\/805 .* below --min-coverage 95%\n$/);
    const mixed = join(work, 'mixed.json');
    writeFileSync(mixed, JSON.stringify(rows.map((row, i) => ({ ...row, generator: i % 2 ? 'a' : 'b' }))));
    expect((await place('--model-outputs', mixed)).stderr).toMatch(
      /mixed\.json: names 2 different generators/,
    );
  }, 60_000);

  it('fails in one line without a stored leaderboard, and refuses --models with it', async () => {
    const none = await runBench(
      ['run', 'alpacaeval', '--judge', 'length', '--model-outputs', file, '--name', 'x'],
      {
        env: { BENCH_HOME: mkdtempSync(join(tmpdir(), 'bench-home-')) },
      },
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/bench: judge length has no stored leaderboard to place the model in .*\n$/);
    const both = await place('--model-outputs', file, '--models', 'phi-2');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--models cannot be given with it/);
  });
});
