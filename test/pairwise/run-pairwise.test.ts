import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairwiseResult } from '../../suites/pairwise/result.js';
import { runBench } from '../helpers/cli.js';
import { AUTOJ, PREDICTIONS, runPairwiseCli, SWAPPED, tempDir, TEST_SET } from './helpers.js';

/** The published table (../shared/data/README.md, auto-j section), typed in by hand. */
const PUBLISHED: readonly [string, number, number][] = [
  ['Summarization', 45.83, 73.61],
  ['Exam Questions', 38.89, 69.44],
  ['Code', 47.5, 75.83],
  ['Rewriting', 49.17, 74.17],
  ['Creative Writing', 59.72, 87.04],
  ['Functional Writing', 61.67, 81.67],
  ['General Communication', 55.21, 92.36],
  ['NLP Tasks', 57.58, 86.36],
];

const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
const readJsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('bench run pairwise, recorded mode, on Auto-J’s own verdicts', () => {
  let result: PairwiseResult;
  let stderr: string;

  beforeAll(async () => {
    const run = await runPairwiseCli([
      '--predictions',
      PREDICTIONS,
      '--swapped',
      SWAPPED,
      '--data',
      AUTOJ,
      '--json',
    ]);
    expect(run.code).toBe(0);
    stderr = run.stderr;
    result = JSON.parse(run.stdout) as PairwiseResult; // exactly one JSON document
  });

  it('reproduces the published overall agreement 54.96 and consistency 83.41', () => {
    expect(result.suite).toBe('pairwise');
    expect(result.protocol).toBe('pairwise');
    expect(result.overall.n).toBe(1392);
    expect(round2(result.overall.agreement)).toBe(54.96);
    expect(round2(result.overall.consistency)).toBe(83.41);
  });

  it('reproduces every group of the published table, in the authors’ order', () => {
    expect(result.groups.map((g) => [g.group, round2(g.agreement), round2(g.consistency)])).toEqual(
      PUBLISHED,
    );
    expect(result.groups.reduce((sum, g) => sum + g.n, 0)).toBe(1392);
  });

  it('agrees with a plain recomputation from the raw files (Code, Exam Questions, overall)', () => {
    const tests = readJsonl(TEST_SET);
    const given = readJsonl(PREDICTIONS).map((r) => r.output as number);
    const swapped = readJsonl(SWAPPED).map((r) => r.output as number);
    const scenarios = JSON.parse(readFileSync(path.join(AUTOJ, 'scenarios.json'), 'utf8')) as {
      groups: Record<string, string[]>;
    };
    const back = [1, 0, 2]; // authors' codes: 0 <-> 1, 2 stays
    for (const group of ['Code', 'Exam Questions', null]) {
      let n = 0;
      let agree = 0;
      let consistent = 0;
      for (let i = 0; i < tests.length; i++) {
        if (group !== null && !scenarios.groups[group]!.includes(tests[i]!.scenario as string)) continue;
        const label = tests[i]!.label as number;
        const mapped = back[swapped[i]!]!;
        n++;
        if (given[i] === label && mapped === label) agree++;
        if (given[i] === mapped) consistent++;
      }
      const row = group === null ? result.overall : result.groups.find((g) => g.group === group)!;
      expect(row.n).toBe(n);
      expect(row.agreement).toBeCloseTo((100 * agree) / n, 10);
      expect(row.consistency).toBeCloseTo((100 * consistent) / n, 10);
    }
  });

  it('has 58 scenario rows of 24 pairs, grouped in the authors’ order', () => {
    expect(result.scenarios).toHaveLength(58);
    expect(result.scenarios.every((s) => s.n === 24)).toBe(true);
    const groupOrder = [...new Set(result.scenarios.map((s) => s.group))];
    expect(groupOrder).toEqual(PUBLISHED.map(([g]) => g));
    const post = result.scenarios.find((s) => s.scenario === 'post_summarization')!;
    expect(post.description).toMatch(/summar/i);
  });

  it('reports the extra figures', () => {
    const o = result.overall;
    expect(o.nNonTie).toBe(1019); // 520 + 499 non-tie labels
    expect(o.humanTieRate).toBeCloseTo((100 * 373) / 1392, 10);
    expect(o.unparsed).toEqual({ given: 0, swapped: 0, pairs: 0 });
    expect(o.positionBias!.nDecisive).toBeGreaterThan(0);
    expect(o.firstRate).toBe(o.positionBias!.firstRate);
    const total = o.confusion.counts.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(1392);
    // row sums are the human label counts
    expect(o.confusion.counts.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([520, 499, 373]);
    expect(o.agreementCi95![0]).toBeLessThan(o.agreement!);
    expect(o.agreementCi95![1]).toBeGreaterThan(o.agreement!);
    expect(o.consistencyCi95![0]).toBeLessThan(o.consistency!);
    expect(result.groups.every((g) => g.agreementCi95 !== null && g.consistencyCi95 !== null)).toBe(true);
    expect(result.bootstrap).toMatchObject({ resamples: 1000, seed: 1 });
    expect(result.inputs.map((i) => path.basename(i.file))).toEqual([
      'testdata_pairwise.jsonl',
      'scenarios.json',
      'pairwise_example_output.jsonl',
      'pairwise_exchange_example_output.jsonl',
    ]);
  });

  it('carries the other judges’ published results as reference rows', () => {
    const byJudge = new Map(result.references.map((r) => [r.judge, r]));
    expect(byJudge.get('GPT-4')).toMatchObject({ agreement: 62.28, consistency: 86.28 });
    expect(byJudge.get('LLaMA-2-70B-Chat')).toMatchObject({ agreement: 46.12, consistency: 69.9 });
    expect(byJudge.get('ChatGPT')).toMatchObject({ agreement: 42.74, consistency: 62.43 });
    expect(byJudge.get('Claude-2')).toMatchObject({ agreement: 42.6, consistency: 63.43 });
    expect(byJudge.get('Auto-J (published)')).toMatchObject({ agreement: 54.96, consistency: 83.41 });
    for (const [rm, agreement] of [
      ['Moss-RM', 54.31],
      ['Ziya-RM', 53.23],
      ['Beaver-RM', 52.37],
      ['OASST-RM', 51.08],
    ] as const) {
      expect(byJudge.get(rm)).toMatchObject({ agreement, consistency: null });
    }
  });

  it('records how the run happened', () => {
    expect(result.manifest).toMatchObject({ harnessVersion: expect.any(String), node: process.version });
    expect(result.manifest!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('writes progress to stderr only', () => {
    expect(stderr).toMatch(/^pairwise: 1392 pairs from /);
  });
});

describe('bench run pairwise, registered with the other commands', () => {
  it('runs through the full command list', async () => {
    const run = await runBench(
      ['run', 'pairwise', '--predictions', PREDICTIONS, '--swapped', SWAPPED, '--json', '--bootstrap', '0'],
      {
        env: { AUTOJ_DATA: AUTOJ },
      },
    );
    expect(run.code).toBe(0);
    expect(round2((JSON.parse(run.stdout) as PairwiseResult).overall.agreement)).toBe(54.96);
  });
});

describe('bench run pairwise, terminal table', () => {
  it('prints the authors’ layout with overall last, then the extra figures', async () => {
    const run = await runPairwiseCli(['--predictions', PREDICTIONS, '--swapped', SWAPPED, '--data', AUTOJ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const header = lines.findIndex((l) => /^group\s+agreement\s+consistency\s+n$/.test(l));
    expect(header).toBeGreaterThan(-1);
    expect(lines[header + 2]).toMatch(/^Summarization\s+45\.83\s+73\.61\s+72$/);
    expect(lines[header + 11]).toMatch(/^Overall\s+54\.96\s+83\.41\s+1392$/);
    expect(run.stdout).toMatch(/95% intervals \(bootstrap, 1,000 resamples of pairs, seed 1\)/);
    expect(run.stdout).toMatch(/position bias: response shown first chosen in \d+\.\d\d% of/);
    expect(run.stdout).toMatch(/GPT-4\s+62\.28\s+86\.28/);
    expect(run.stdout).toMatch(/Moss-RM \(reward model\)\s+54\.31\s+n\/a/);
  });
});

describe('bench run pairwise, options', () => {
  const base = ['--predictions', PREDICTIONS, '--swapped', SWAPPED, '--json'];
  const json = async (args: string[], options: Parameters<typeof runPairwiseCli>[1] = {}) => {
    const run = await runPairwiseCli(args, options);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as PairwiseResult;
  };

  it('reproduces its bootstrap intervals with a seed, and changes them with another', async () => {
    const a = await json([...base, '--data', AUTOJ, '--seed', '42', '--bootstrap', '300']);
    const b = await json([...base, '--data', AUTOJ, '--seed', '42', '--bootstrap', '300']);
    const c = await json([...base, '--data', AUTOJ, '--seed', '43', '--bootstrap', '300']);
    expect(a.bootstrap).toMatchObject({ resamples: 300, seed: 42 });
    expect(a.overall.agreementCi95).toEqual(b.overall.agreementCi95);
    expect(a.groups.map((g) => g.consistencyCi95)).toEqual(b.groups.map((g) => g.consistencyCi95));
    expect(a.overall.agreementCi95).not.toEqual(c.overall.agreementCi95);
    expect(a.overall.agreement).toBe(c.overall.agreement);
  });

  it('--bootstrap 0 gives no intervals (null), the figures unchanged', async () => {
    const r = await json([...base, '--data', AUTOJ, '--bootstrap', '0']);
    expect(r.overall.agreementCi95).toBeNull();
    expect(round2(r.overall.agreement)).toBe(54.96);
  });

  it('finds the data folder through $AUTOJ_DATA, then ../shared/data/auto-j from the working directory', async () => {
    const viaEnv = await json(base, { env: { AUTOJ_DATA: AUTOJ }, cwd: '/' });
    expect(viaEnv.overall.n).toBe(1392);
    const repoRoot = new URL('../../', import.meta.url).pathname; // ../shared/data/auto-j exists from here
    const viaDefault = await json(base, { cwd: repoRoot });
    expect(viaDefault.overall.n).toBe(1392);
  });

  it('says to pass --data when no data folder is found', async () => {
    const run = await runPairwiseCli(base, { cwd: '/' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/^bench: no Auto-J data folder: pass --data DIR/);
  });

  it('asks for both verdict files, and without any judges live (here: no server answers)', async () => {
    const none = await runPairwiseCli(['--data', AUTOJ, '--endpoint', 'http://127.0.0.1:9/v1']);
    expect(none.code).not.toBe(0);
    expect(none.stderr.trimEnd().split('\n').at(-1)).toMatch(/^bench: .*127\.0\.0\.1:9.*bench serve/);
    const one = await runPairwiseCli(['--data', AUTOJ, '--predictions', PREDICTIONS]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/--swapped FILE is missing/);
  });

  it('rejects a negative or fractional --bootstrap', async () => {
    const run = await runPairwiseCli([...base, '--data', AUTOJ, '--bootstrap', '-1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--bootstrap must be a whole number >= 0/);
  });
});

describe('bench run pairwise, bad verdict files', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const lines = readFileSync(PREDICTIONS, 'utf8').split('\n').slice(0, 1392);

  const cases: [string, () => string, RegExp][] = [
    ['one line short', () => lines.slice(0, 1391).join('\n') + '\n', /line 1392: missing verdict/],
    ['one line too many', () => [...lines, '{"output": 0}'].join('\n') + '\n', /line 1393: extra verdict/],
    [
      'a label 3',
      () => lines.map((l, i) => (i === 99 ? '{"output": 3}' : l)).join('\n'),
      /line 100: verdict 3 is not 0, 1 or 2/,
    ],
    [
      'a broken JSON line',
      () => lines.map((l, i) => (i === 6 ? '{"output": 1' : l)).join('\n'),
      /line 7: invalid JSON/,
    ],
  ];

  for (const [name, make, pattern] of cases) {
    it(`fails with one line naming the file and line: ${name}`, async () => {
      const file = tmp.write(`${name.replace(/\W+/g, '-')}.jsonl`, make());
      for (const [predictions, swapped] of [
        [file, SWAPPED],
        [PREDICTIONS, file],
      ]) {
        const run = await runPairwiseCli([
          '--predictions',
          predictions!,
          '--swapped',
          swapped!,
          '--data',
          AUTOJ,
          '--json',
        ]);
        expect(run.code).not.toBe(0);
        expect(run.stdout).toBe('');
        const errors = run.stderr.split('\n').filter((l) => l.startsWith('bench:'));
        expect(errors).toHaveLength(1);
        expect(errors[0]!.startsWith(`bench: ${file}: `)).toBe(true);
        expect(errors[0]).toMatch(pattern);
      }
    });
  }

  it('accepts a blank trailing line', async () => {
    const file = tmp.write('trailing.jsonl', lines.join('\n') + '\n\n');
    const run = await runPairwiseCli([
      '--predictions',
      file,
      '--swapped',
      SWAPPED,
      '--data',
      AUTOJ,
      '--json',
    ]);
    expect(run.code).toBe(0);
  });

  it('resolves relative verdict paths against the working directory', async () => {
    const run = await runPairwiseCli(
      [
        '--predictions',
        'data/outputs/pairwise_example_output.jsonl',
        '--swapped',
        'data/outputs/pairwise_exchange_example_output.jsonl',
        '--data',
        '.',
        '--json',
      ],
      { cwd: AUTOJ },
    );
    expect(run.code).toBe(0);
  });
});
