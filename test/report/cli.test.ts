import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTRUCTIONS, makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { runBench } from '../helpers/cli.js';
import { AUTOJ, PREDICTIONS, SWAPPED } from '../pairwise/helpers.js';
import { SCRIPT_PAYLOAD } from './fixtures.js';

const AE2_CSV =
  ',win_rate,length_controlled_winrate,mode\nalpha+1.5,60,50,community\nBeta.v2,40,45,community\ngamma,20,30,community\n';

/** Three models with an output for every instruction, all on AlpacaEval 2. */
function smallTree(): string {
  return makeAlpacaTree(
    {
      'alpha+1.5': { outputs: outputsOfLength(805, 100) },
      'Beta.v2': { outputs: outputsOfLength(805, 50) },
      gamma: { outputs: outputsOfLength(805, 10) },
    },
    { ae2: AE2_CSV },
  );
}

/** `bench run alpacaeval --judge length ...args` */
function lengthRun(args: readonly string[], options: { env: Record<string, string>; cwd: string }) {
  return runBench(['run', 'alpacaeval', '--judge', 'length', ...args], options);
}

describe('bench report and run --report', () => {
  it('renders right after a run, and again from the run archive with the pairwise run', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-home-'));
    const work = mkdtempSync(join(tmpdir(), 'bench-cwd-'));
    const tree = makeAlpacaTree(
      {
        'alpha+1.5': { outputs: outputsOfLength(INSTRUCTIONS.length, 100) },
        'Beta.v2': { outputs: [...outputsOfLength(INSTRUCTIONS.length - 1, 50), SCRIPT_PAYLOAD] },
        gamma: { outputs: outputsOfLength(INSTRUCTIONS.length, 10) },
      },
      { ae2: AE2_CSV },
    );
    const env = { BENCH_HOME: home, ALPACA_EVAL_SOURCE: tree };

    const run = await lengthRun(['--reference', 'ae2', '--bootstrap', '20', '--report', 'site', '--json'], {
      env,
      cwd: work,
    });
    expect(run.code, run.stderr).toBe(0);
    JSON.parse(run.stdout);
    const leaderboard = readFileSync(join(work, 'site/alpacaeval/length/index.html'), 'utf8');
    expect(leaderboard.match(/<tr data-filter=/g)).toHaveLength(3);
    expect(existsSync(join(work, 'site/alpacaeval/length/models/alpha+1.5.html'))).toBe(true);

    const pairwise = await runBench(
      [
        'run',
        'pairwise',
        '--data',
        AUTOJ,
        '--predictions',
        PREDICTIONS,
        '--swapped',
        SWAPPED,
        '--bootstrap',
        '20',
      ],
      {
        env,
        cwd: work,
      },
    );
    expect(pairwise.code, pairwise.stderr).toBe(0);
    expect(readdirSync(join(home, 'runs')).some((f) => f.endsWith('_pairwise_recorded.json'))).toBe(true);

    const report = await runBench(['report', '--out', 'public/site', '--leaderboards', 'no-such-folder'], {
      env,
      cwd: work,
    });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout.trim()).toBe(join(work, 'public/site/index.html'));
    const overview = readFileSync(join(work, 'public/site/index.html'), 'utf8');
    expect(overview).toContain('href="alpacaeval/length/index.html"');
    expect(overview).toContain('href="pairwise/recorded.html"');
    expect(overview).toContain('href="paper.html"');
    expect(readFileSync(join(work, 'public/site/pairwise/recorded.html'), 'utf8')).toContain('54.96%');
  });

  it('a quick partial run gets its own page and leaves the published leaderboard as it was', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-home-'));
    const work = mkdtempSync(join(tmpdir(), 'bench-cwd-'));
    const env = { BENCH_HOME: home, ALPACA_EVAL_SOURCE: smallTree() };
    const run = (extra: string[]) =>
      lengthRun(['--reference', 'ae2', '--bootstrap', '0', '--report', 'site', ...extra], { env, cwd: work });
    expect((await run([])).code).toBe(0);
    const quick = await run(['--models', 'alpha+1.5', 'gamma', '--instructions', '5']);
    expect(quick.code, quick.stderr).toBe(0);

    const leaderboard = readFileSync(join(work, 'site/alpacaeval/length/index.html'), 'utf8');
    expect(leaderboard.match(/<tr data-filter=/g)).toHaveLength(3);
    expect(leaderboard).toContain('over 805 instructions');
    const overview = readFileSync(join(work, 'site/index.html'), 'utf8');
    const link =
      /<a href="(alpacaeval\/length\/runs\/[^"]+\/index\.html)">partial run: 2 models, 5 of 805 instructions, /.exec(
        overview,
      );
    expect(link, overview).not.toBeNull();
    const partial = readFileSync(join(work, 'site', link![1]!), 'utf8');
    expect(partial.match(/<tr data-filter=/g)).toHaveLength(2);
    expect(partial).toContain('Not the published leaderboard of length');
  });

  it('the refresh’s “nothing new” site repair renders the snapshot, not the newest archived run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bench-refresh-'));
    const env = { BENCH_HOME: join(root, '.bench'), ALPACA_EVAL_SOURCE: smallTree() };
    const refresh = () =>
      runBench(
        [
          'refresh',
          '--judge',
          'length',
          '--leaderboards',
          'lb',
          '--site',
          'site',
          '--bootstrap',
          '0',
          '--date',
          '2026-11-20',
        ],
        { env, cwd: root },
      );
    const first = await refresh();
    expect(first.code, first.stderr).toBe(0);
    const quick = await lengthRun(['--models', 'gamma', '--instructions', '5', '--bootstrap', '0'], {
      env,
      cwd: root,
    });
    expect(quick.code, quick.stderr).toBe(0);
    rmSync(join(root, 'site'), { recursive: true });
    const repaired = await refresh();
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stderr).toMatch(/nothing new since 2026-11-20.*rewrote site/);
    const leaderboard = readFileSync(join(root, 'site/alpacaeval/length/index.html'), 'utf8');
    expect(leaderboard.match(/<tr data-filter=/g)).toHaveLength(3);
    expect(leaderboard).toContain('the refresh snapshot of 2026-11-20');
  });

  it('fails with a one-line reason when --out is a folder it did not build', async () => {
    const other = mkdtempSync(join(tmpdir(), 'bench-cwd-'));
    const refused = await runBench(['report', '--out', 'test', '--runs', 'none'], {
      cwd: process.cwd(),
      env: { BENCH_HOME: other },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^bench: .*test is not empty and was not built by bench report/);
  });
});
