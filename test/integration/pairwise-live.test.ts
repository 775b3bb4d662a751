import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, SHARED_DATA } from '../helpers/cli.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';

interface Doc {
  overall: { agreement: number; consistency: number | null; n: number; unparsed?: number };
  groups: { group: string; agreement: number; n: number }[];
  judge: { name: string; mode: string };
}

describe('bench run pairwise, live against vllm-sim', () => {
  let biased: VllmSim;
  let fair: VllmSim;
  beforeAll(async () => {
    biased = await startVllmSim(['--time-scale', '500', '--position-bias', '3']);
    fair = await startVllmSim(['--time-scale', '500', '--position-bias', '0']);
  });
  afterAll(async () => {
    await Promise.all([biased.stop(), fair.stop()]);
  });

  const run = (sim: VllmSim, home: string, extra: string[] = []) =>
    runBench(
      [
        'run',
        'pairwise',
        '--endpoint',
        sim.url,
        '--data',
        `${SHARED_DATA}/auto-j`,
        '--bootstrap',
        '100',
        '--json',
        ...extra,
      ],
      { env: { BENCH_HOME: home } },
    );

  it('judges 2,784 prompts, shows the position bias as inconsistency, and a rerun sends nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-pw-'));
    await biased.reset();
    const r = await run(biased, home);
    expect(r.code, r.stderr).toBe(0);
    const stats = await biased.stats();
    expect(stats.completed).toBeLessThanOrEqual(2784); // identical prompts are sent once
    expect(stats.completed).toBeGreaterThan(2700);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.judge).toMatchObject({ name: 'autoj', mode: 'live' });
    expect(doc.overall.n).toBe(1392);
    expect(doc.groups).toHaveLength(8);

    const fairHome = mkdtempSync(join(tmpdir(), 'bench-pw-'));
    const unbiased = JSON.parse((await run(fair, fairHome)).stdout) as Doc;
    expect(doc.overall.consistency!).toBeLessThan(unbiased.overall.consistency!);
    expect(doc.overall.consistency!).toBeLessThan(50);
    // the simulator's verdicts are a deterministic function of the two responses: without a
    // position bias, swapping them mirrors the verdict exactly
    expect(unbiased.overall.consistency!).toBe(100);

    await biased.reset();
    const again = await run(biased, home);
    expect(again.code).toBe(0);
    expect((await biased.stats()).requests).toBe(0);
    expect(JSON.parse(again.stdout).overall).toEqual(doc.overall);
  });

  it('derives verdicts from single ratings, with consistency not applicable', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-pw-'));
    const r = await run(fair, home, ['--protocol', 'single', '--tie-margin', '1']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.overall.consistency).toBeNull();
    expect(doc.overall.agreement).toBeGreaterThan(0);
    const table = await run(fair, home, ['--protocol', 'single']);
    expect(table.code).toBe(0);
    const text = (
      await runBench(
        [
          'run',
          'pairwise',
          '--endpoint',
          fair.url,
          '--data',
          `${SHARED_DATA}/auto-j`,
          '--protocol',
          'single',
          '--bootstrap',
          '0',
        ],
        { env: { BENCH_HOME: home } },
      )
    ).stdout;
    expect(text).toMatch(/Overall\s+[\d.]+\s+n\/a\s+1392/);
  });

  it('the length baseline judges pairs in process', async () => {
    const r = await runBench([
      'run',
      'pairwise',
      '--judge',
      'length',
      '--data',
      `${SHARED_DATA}/auto-j`,
      '--bootstrap',
      '0',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.overall.consistency).toBe(100); // length does not depend on position
    expect(doc.overall.agreement).toBeGreaterThan(20);
  });
});
