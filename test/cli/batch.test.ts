import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { runBench } from '../helpers/cli.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';
import { taskIndex, tempDir } from '../store/records.js';

/**
 * `bench batch export` -> a stand-in for `vllm run-batch` (test/helpers/run-batch-standin.mjs)
 * against vllm-sim -> `bench batch import` -> `bench run alpacaeval`: the run sends nothing
 * and ranks as a live run does; a second import changes nothing; an unknown custom_id and
 * an answer to a changed body are counted and skipped. (What the engine renders from the
 * chat messages is proven by test/batch/chat-template.test.ts.)
 */

const STANDIN = new URL('../helpers/run-batch-standin.mjs', import.meta.url).pathname;
const run = promisify(execFile);
const MODELS = ['Conifer-7B-DPO', 'Ein-70B-v0.1', 'FsfairX-Zephyr-Chat-v0.1'];
const SELECTION = ['--models', ...MODELS, '--instructions', '16', '--bootstrap', '40'];

let sim: VllmSim;
beforeAll(async () => {
  sim = await startVllmSim(['--time-scale', '1000']);
});
afterAll(async () => {
  await sim?.stop();
});

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('bench-batch-cli-'));
});
afterEach(() => cleanup());

const env = () => ({ BENCH_HOME: join(dir, 'home') });
const store = (name: string) => join(dir, `${name}.sqlite`);

interface RunDoc {
  models: { model: string; score: number; se: number; rank: number; ci95?: unknown }[];
  correlations: unknown[];
  manifest: { judgments: { requested: number; cached: number; sent: number } };
}

async function benchRun(storeFile: string): Promise<RunDoc> {
  const r = await runBench(
    ['run', 'alpacaeval', ...SELECTION, '--endpoint', sim.url, '--store', storeFile, '--json'],
    { env: env() },
  );
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RunDoc;
}

async function exportTo(out: string, ...extra: string[]) {
  const r = await runBench(
    [
      'batch',
      'export',
      'alpacaeval',
      ...SELECTION,
      '--store',
      store('batch'),
      '--out',
      out,
      '--json',
      ...extra,
    ],
    { env: env() },
  );
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as {
    requests: number;
    requested: number;
    stored: number;
    url: string;
    shards: { file: string; requests: number }[];
    manifest: string;
  };
}

async function importFiles(...args: string[]) {
  const r = await runBench(['batch', 'import', ...args, '--store', store('batch'), '--json'], { env: env() });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, number> & { problems: string[] };
}

/** Runs each shard through the stand-in; returns the output files. */
async function runShards(out: string, shards: readonly { file: string }[]): Promise<string[]> {
  const outputs: string[] = [];
  for (const s of shards) {
    const output = join(out, s.file.replace(/^requests-/, 'results-'));
    await run(process.execPath, [STANDIN, '-i', join(out, s.file), '-o', output, '--endpoint', sim.url]);
    outputs.push(output);
  }
  return outputs;
}

const ranking = (doc: RunDoc) => doc.models.map(({ model, score, se, rank }) => ({ model, score, se, rank }));
const storedCount = (file: string) => {
  const s = JudgmentStore.open(file);
  try {
    return s.count();
  } finally {
    s.close();
  }
};

describe('bench batch export | import', () => {
  it('export -> run-batch -> import: bench run sends 0 requests and ranks as a live run; a second import changes nothing', async () => {
    const live = await benchRun(store('live'));
    expect(live.manifest.judgments.sent).toBeGreaterThan(0);

    const out = join(dir, 'batch');
    const exported = await exportTo(out, '--chat', '--shards', '2');
    expect(exported).toMatchObject({ url: '/v1/chat/completions', stored: 0, requested: 48 });
    expect(exported.requests).toBe(live.manifest.judgments.sent);
    expect(exported.shards).toHaveLength(2);
    expect(readdirSync(out).sort()).toEqual([
      'chat-template.jinja',
      'manifest.json',
      'requests-001-of-002.jsonl',
      'requests-002-of-002.jsonl',
    ]);
    expect(storedCount(store('batch'))).toBe(0); // export writes nothing to the store

    const outputs = await runShards(out, exported.shards);
    const first = await importFiles(...outputs);
    expect(first).toMatchObject({
      stored: exported.requests,
      alreadyStored: 0,
      errors: 0,
      remaining: 0,
      indexed: 48,
    });
    // the task index rows the live run wrote (its judge's request identity, every task), written by the import
    const rows = taskIndex(store('batch'));
    expect(rows).toHaveLength(48);
    expect(rows).toEqual(taskIndex(store('live')));

    const before = (await sim.stats()).requests;
    const warm = await benchRun(store('batch'));
    expect(warm.manifest.judgments).toMatchObject({ sent: 0, cached: 48 });
    expect((await sim.stats()).requests).toBe(before);
    expect(ranking(warm)).toEqual(ranking(live));
    expect(warm.correlations).toEqual(live.correlations);
    // every task found by the index (no prompt rendered): the run wrote no row
    expect(taskIndex(store('batch'))).toEqual(rows);

    // importing the same files again changes nothing (its index rows are the same rows)
    const second = await importFiles(...outputs, '--manifest', exported.manifest);
    expect(second).toMatchObject({ stored: 0, alreadyStored: exported.requests, remaining: 0, indexed: 48 });
    expect(storedCount(store('batch'))).toBe(exported.requests);
    expect(taskIndex(store('batch'))).toEqual(rows);

    // nothing is left to export
    const empty = await exportTo(join(dir, 'again'));
    expect(empty).toMatchObject({ requests: 0, stored: exported.requests, shards: [] });
  });

  it('an unknown custom_id and an answer to a changed body are counted and skipped', async () => {
    const out = join(dir, 'batch');
    const exported = await exportTo(out, '--chat');
    const shard = join(out, exported.shards[0]!.file);
    const [output] = await runShards(out, exported.shards);
    const lines = readFileSync(output!, 'utf8').trim().split('\n');
    const unknown = JSON.parse(lines[0]!) as { custom_id: string };
    unknown.custom_id = 'f'.repeat(64);
    writeFileSync(output!, [...lines, JSON.stringify(unknown)].join('\n') + '\n');
    // the input line of the second request no longer has the exported body
    const inputs = readFileSync(shard, 'utf8').trim().split('\n');
    const changed = JSON.parse(inputs[1]!) as { custom_id: string; body: { max_tokens: number } };
    changed.body.max_tokens = 7;
    inputs[1] = JSON.stringify(changed);
    writeFileSync(shard, inputs.join('\n') + '\n');

    const imported = await importFiles(output!);
    expect(imported).toMatchObject({
      lines: exported.requests + 1,
      unknown: 1,
      changed: 1,
      stored: exported.requests - 1,
      remaining: 1,
    });
    expect(imported.problems.join('\n')).toContain('is not in manifest.json');
    expect(storedCount(store('batch'))).toBe(exported.requests - 1);
    // index rows for the stored judgments only: none for the skipped lines
    const rows = taskIndex(store('batch'));
    expect(imported.indexed).toBe(exported.requests - 1);
    expect(rows).toHaveLength(exported.requests - 1);
    expect(rows.some((r) => r.endsWith(` ${changed.custom_id}`) || r.endsWith(` ${unknown.custom_id}`))).toBe(
      false,
    );
  });

  it('a manifest of version 1 (before the task index) still imports, without index rows', async () => {
    const out = join(dir, 'batch');
    const exported = await exportTo(out, '--chat');
    const outputs = await runShards(out, exported.shards);
    const manifest = JSON.parse(readFileSync(exported.manifest, 'utf8')) as {
      version: number;
      judge: { requestIdentity?: unknown };
      requests: Record<string, { tasks?: unknown }>;
    };
    expect(manifest.version).toBe(2);
    expect(manifest.judge.requestIdentity).toMatch(/^[0-9a-f]{64}$/);
    manifest.version = 1;
    delete manifest.judge.requestIdentity;
    for (const request of Object.values(manifest.requests)) delete request.tasks;
    writeFileSync(exported.manifest, JSON.stringify(manifest, null, 2));

    const r = await runBench(['batch', 'import', ...outputs, '--store', store('batch')], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^${exported.requests} judgments stored \\(`));
    expect(storedCount(store('batch'))).toBe(exported.requests);
    expect(taskIndex(store('batch'))).toEqual([]);
    // the run finds them by key, sends nothing, and writes their rows
    const warm = await benchRun(store('batch'));
    expect(warm.manifest.judgments).toMatchObject({ sent: 0, cached: 48 });
    expect(taskIndex(store('batch'))).toHaveLength(48);
  });

  it('refuses the length judge and a folder that holds files, in one line', async () => {
    const length = await runBench(
      ['batch', 'export', 'alpacaeval', '--judge', 'length', '--out', join(dir, 'x')],
      {
        env: env(),
      },
    );
    expect(length.code).toBe(2);
    expect(length.stderr).toMatch(/^bench: judge length runs in process .*\n$/);
    writeFileSync(join(dir, 'busy.txt'), 'x');
    const busy = await runBench(['batch', 'export', 'alpacaeval', ...SELECTION, '--out', dir], {
      env: env(),
    });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/holds files already/);
  });
});
