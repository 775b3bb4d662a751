import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { SCHEMA_VERSION } from '../../harness/store/schema.js';
import { runBench } from '../helpers/cli.js';
import { keyOf, singleRecord, tempDir, unparsedRecord } from '../store/records.js';

let dir: string;
let cleanup: () => void;
/** the default store of a bench run in `dir` */
let defaultStore: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('bench-cache-cli-'));
  defaultStore = path.join(dir, '.bench', 'judgments.sqlite');
});
afterEach(() => cleanup());

/** A store as two AlpacaEval models and one pairwise run leave it. */
function fillStore(file: string): void {
  const store = JudgmentStore.open(file);
  store.putMany([
    singleRecord(1),
    singleRecord(2),
    unparsedRecord(3),
    singleRecord(4, { endpoint: 'http://user:s3cret@gpu-1:8000/v1' }),
    singleRecord(5, { protocol: 'pairwise', rating: null, verdict: 'second' }),
    singleRecord(6),
  ]);
  store.tag([
    { key: keyOf(1), suite: 'alpacaeval', subject: 'gpt4' },
    { key: keyOf(2), suite: 'alpacaeval', subject: 'gpt4' },
    { key: keyOf(3), suite: 'alpacaeval', subject: 'gpt4' },
    { key: keyOf(1), suite: 'alpacaeval', subject: 'alpaca-7b' },
    { key: keyOf(4), suite: 'alpacaeval', subject: 'alpaca-7b' },
    { key: keyOf(5), suite: 'pairwise', subject: 'pair 17 swapped' },
  ]);
  store.close();
}

describe('bench cache stats', () => {
  it('prints counts per judge/suite/model, the judges, the totals and the file size', async () => {
    fillStore(defaultStore);
    const r = await runBench(['cache', 'stats'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(lines).toContainEqual(['judge', 'suite', 'model', 'judgments', 'parsed', 'unparsed']);
    expect(lines).toContainEqual(['autoj', 'alpacaeval', 'gpt4', '3', '2', '1']);
    expect(lines).toContainEqual(['autoj', 'alpacaeval', 'alpaca-7b', '2', '2', '0']);
    expect(lines).toContainEqual(['autoj', 'pairwise', 'pairs, swapped order (1)', '1', '1', '0']);
    expect(lines).toContainEqual(['(any)', '(untagged)', '1', '1', '0']);
    expect(lines).toContainEqual(['autoj', 'GAIR/autoj-13b', '6', '5', '1']);
    expect(lines).toContainEqual(['total', '6', '5', '1']);
    expect(r.stdout).toMatch(new RegExp(`store: ${escape(defaultStore)} \\(\\d+\\.\\d (kB|MB)\\)\\n$`));
  });

  it("counts the memo's derived values, when the store has any", async () => {
    fillStore(defaultStore);
    const store = JudgmentStore.open(defaultStore);
    store.commit({
      records: [],
      usages: [],
      memos: [{ key: 'k', value: new Uint8Array(2500), code: 'c' }],
    });
    store.close();
    const r = await runBench(['cache', 'stats'], { cwd: dir });
    expect(r.stdout).toMatch(/\nmemo: 1 derived values \(2\.5 kB\): /);
    const json = JSON.parse((await runBench(['cache', 'stats', '--json'], { cwd: dir })).stdout) as {
      memo: unknown;
    };
    expect(json.memo).toEqual({ values: 1, bytes: 2500 });
  });

  it('--json prints exactly one JSON document', async () => {
    fillStore(defaultStore);
    const r = await runBench(['cache', 'stats', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      store: defaultStore,
      totals: { judgments: 6, ok: 5, unparsed: 1 },
      judges: [{ judge: 'autoj', model: 'GAIR/autoj-13b', judgments: 6, ok: 5, unparsed: 1 }],
      untagged: { judgments: 1, ok: 1, unparsed: 0 },
      memo: { values: 0, bytes: 0 },
    });
    expect(result.bytes).toBeGreaterThan(0);
    expect(result.usages).toContainEqual({
      judge: 'autoj',
      model: 'GAIR/autoj-13b',
      suite: 'alpacaeval',
      subject: 'gpt4',
      subjects: 1,
      judgments: 3,
      ok: 2,
      unparsed: 1,
    });
  });

  it('counts the pairs of a pairwise run in a line per kind, not a line per pair', async () => {
    const pairs = 1392;
    const store = JudgmentStore.open(defaultStore);
    const records = Array.from({ length: 4 * pairs }, (_, i) =>
      i % 5 === 0 ? unparsedRecord(i) : singleRecord(i, { protocol: i < 2 * pairs ? 'pairwise' : 'single' }),
    );
    store.putMany(records);
    const subjects = [
      (i: number) => `pair ${i}`,
      (i: number) => `pair ${i} swapped`,
      (i: number) => `pair ${i >> 1} response ${(i % 2) + 1}`,
      (i: number) => `pair ${pairs / 2 + (i >> 1)} response ${(i % 2) + 1}`,
    ];
    store.tag(
      records.map((r, i) => ({
        key: r.key,
        suite: 'pairwise',
        subject: subjects[Math.floor(i / pairs)]!(i % pairs),
      })),
    );
    store.tag([{ key: keyOf(0), suite: 'alpacaeval', subject: 'pair 3' }]); // a model named like a pair
    store.close();
    const unparsed = (from: number, to: number) =>
      records.slice(from, to).filter((r) => r.status === 'unparsed').length;

    const r = await runBench(['cache', 'stats'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .split('\n')
      .filter((l) => /^autoj\s/.test(l))
      .map((l) => l.trim().split(/\s{2,}/));
    const row = (subject: string, from: number, to: number) => [
      'autoj',
      'pairwise',
      subject,
      String(to - from),
      String(to - from - unparsed(from, to)),
      String(unparsed(from, to)),
    ];
    expect(rows).toEqual([
      ['autoj', 'alpacaeval', 'pair 3', '1', '0', '1'],
      row('pairs, given order (1392)', 0, pairs),
      row('responses, rated one by one (2784)', 2 * pairs, 4 * pairs),
      row('pairs, swapped order (1392)', pairs, 2 * pairs),
      [
        'autoj',
        'GAIR/autoj-13b',
        String(4 * pairs),
        String(4 * pairs - unparsed(0, 4 * pairs)),
        String(unparsed(0, 4 * pairs)),
      ],
    ]);

    const json = await runBench(['cache', 'stats', '--json'], { cwd: dir });
    const doc = JSON.parse(json.stdout) as {
      usages: { suite: string; subject: string; subjects: number; judgments: number }[];
    };
    expect(doc.usages.map((u) => [u.suite, u.subject, u.subjects, u.judgments])).toEqual([
      ['alpacaeval', 'pair 3', 1, 1],
      ['pairwise', 'pairs, given order (1392)', pairs, pairs],
      ['pairwise', 'responses, rated one by one (2784)', 2 * pairs, 2 * pairs],
      ['pairwise', 'pairs, swapped order (1392)', pairs, pairs],
    ]);
  });

  it('reads --store over $BENCH_STORE over the default', async () => {
    const fromEnv = path.join(dir, 'env.sqlite');
    const fromFlag = path.join(dir, 'flag.sqlite');
    fillStore(fromEnv);
    const store = JudgmentStore.open(fromFlag);
    store.put(singleRecord(1));
    store.close();
    const env = await runBench(['cache', 'stats', '--json'], {
      cwd: dir,
      env: { BENCH_STORE: 'env.sqlite' },
    });
    expect(JSON.parse(env.stdout)).toMatchObject({ store: fromEnv, totals: { judgments: 6 } });
    const flag = await runBench(['cache', 'stats', '--json', '--store', 'flag.sqlite'], {
      cwd: dir,
      env: { BENCH_STORE: 'env.sqlite' },
    });
    expect(JSON.parse(flag.stdout)).toMatchObject({ store: fromFlag, totals: { judgments: 1 } });
  });

  it('an empty store has zero counts', async () => {
    JudgmentStore.open(defaultStore).close();
    const r = await runBench(['cache', 'stats'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total\s+0\s+0\s+0$/m);
  });
});

describe('bench cache export', () => {
  it('writes one JSON object per judgment to stdout, without secrets', async () => {
    fillStore(defaultStore);
    const r = await runBench(['cache', 'export', '--format', 'jsonl'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('bench: exported 6 judgments\n');
    expect(r.stdout.endsWith('\n')).toBe(true);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({
      ...singleRecord(1),
      usages: [
        { suite: 'alpacaeval', subject: 'alpaca-7b' },
        { suite: 'alpacaeval', subject: 'gpt4' },
      ],
    });
    expect(Object.keys(rows[0]!)).toEqual([
      'key',
      'judge',
      'model',
      'templateVersion',
      'protocol',
      'status',
      'rating',
      'verdict',
      'unparsedReason',
      'finishReason',
      'truncation',
      'promptTokens',
      'completionTokens',
      'tokenSource',
      'latencyMs',
      'endpoint',
      'createdAt',
      'usages',
      'textOriginalChars',
      'text',
    ]);
    expect(rows[2]).toMatchObject({ status: 'unparsed', rating: null, finishReason: 'length' });
    expect(rows[3]).toMatchObject({ endpoint: 'http://gpu-1:8000/v1' });
    expect(rows[4]).toMatchObject({
      protocol: 'pairwise',
      verdict: 'second',
      usages: [{ suite: 'pairwise', subject: 'pair 17 swapped' }],
    });
    expect(rows[5]).toMatchObject({ usages: [] });
    expect(r.stdout).not.toContain('s3cret');
  });

  it('--out writes the file, creating its folder (jsonl is the default format)', async () => {
    fillStore(defaultStore);
    const ok = await runBench(['cache', 'export', '--out', 'out/judgments.jsonl'], { cwd: dir });
    const out = path.join(dir, 'out', 'judgments.jsonl');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toBe(`bench: exported 6 judgments to ${out}\n`);
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { key: string }).key)).toEqual([1, 2, 3, 4, 5, 6].map(keyOf));
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['judgments.jsonl']);
  });

  it('Ctrl-C stops a long export with exit 130 and leaves no partial file', async () => {
    const store = JudgmentStore.open(defaultStore);
    store.putMany(Array.from({ length: 2500 }, (_, i) => singleRecord(i)));
    store.close();
    const controller = new AbortController();
    controller.abort(new Error('SIGINT'));
    const r = await runBench(['cache', 'export', '--out', 'all.jsonl'], {
      cwd: dir,
      signal: controller.signal,
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('bench: interrupted\n');
    expect(fs.readdirSync(dir)).toEqual(['.bench']);
  });

  it('refuses another format', async () => {
    fillStore(defaultStore);
    const r = await runBench(['cache', 'export', '--format', 'csv'], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/csv/);
  });
});

describe('bench cache: errors', () => {
  it.each([['stats'], ['export']])('%s: a missing store is a one-line error naming the file', async (sub) => {
    const r = await runBench(['cache', sub], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `bench: ${defaultStore}: no judgment store here (run a suite first, or pass --store / set BENCH_STORE)\n`,
    );
    expect(fs.existsSync(defaultStore)).toBe(false);
  });

  it.each([['stats'], ['export']])(
    '%s: a file that is not a database is a one-line error naming it',
    async (sub) => {
      const file = path.join(dir, 'corrupt.sqlite');
      fs.writeFileSync(file, 'garbage '.repeat(1000));
      const r = await runBench(['cache', sub, '--store', file], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`bench: ${file}: not a SQLite database (corrupt, or another kind of file)\n`);
    },
  );

  it('a damaged store (cut in half) is a one-line error naming it', async () => {
    const store = JudgmentStore.open(defaultStore);
    store.putMany(Array.from({ length: 2000 }, (_, i) => singleRecord(i)));
    store.close();
    fs.truncateSync(defaultStore, Math.floor(fs.statSync(defaultStore).size / 2));
    const r = await runBench(['cache', 'stats'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `bench: ${defaultStore}: the judgment store is corrupt (database disk image is malformed)\n`,
    );
  });

  it('a store from a newer harness is a one-line error naming it', async () => {
    fillStore(defaultStore);
    const raw = new Database(defaultStore);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const r = await runBench(['cache', 'stats'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(
      new RegExp(`^bench: ${escape(defaultStore)}: judgment store schema version \\d+ is newer`),
    );
  });

  it('cache without a subcommand says what to do', async () => {
    const r = await runBench(['cache'], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bench cache stats \| bench cache export/);
  });

  it('--help describes both subcommands', async () => {
    const r = await runBench(['cache', '--help'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stats/);
    expect(r.stdout).toMatch(/export/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
