import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assembleJudgeTable,
  columnGroups,
  type JudgeFigure,
  type JudgeSummary,
  type SummarisedRun,
} from '../../harness/leaderboard/judges.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { singleRecord, tempDir } from '../store/records.js';

/**
 * The judge leaderboard's assembly: which run stands for a (judge, suite), rulers scored
 * inside another judge's run, "not run" columns, and the store's timing (union of the
 * judgments' intervals per endpoint and over all of them), against hand-computed values.
 */

const figure = (key: string, value: number | null): JudgeFigure => ({
  key,
  label: key,
  kind: 'percent',
  value,
});

function run(
  suite: string,
  finishedAt: string,
  summary: Partial<JudgeSummary> & { judge: string },
): SummarisedRun {
  return {
    suite,
    file: `/runs/${finishedAt}_${suite}_${summary.judge}.json`,
    finishedAt,
    summary: { complete: true, figures: [], ...summary },
  };
}

describe('assembleJudgeTable', () => {
  it('takes the newest complete run of a judge and suite, a partial one only when there is no complete one', () => {
    const table = assembleJudgeTable(
      [
        // newest first, as the loader gives them
        run('alpacaeval', '2026-12-03', { judge: 'autoj', complete: false, figures: [figure('a.x', 3)] }),
        run('alpacaeval', '2026-12-02', { judge: 'autoj', figures: [figure('a.x', 2)] }),
        run('alpacaeval', '2026-12-01', { judge: 'autoj', figures: [figure('a.x', 1)] }),
        run('alpacaeval', '2026-12-03', { judge: 'mtbench', complete: false, figures: [figure('a.x', 9)] }),
        run('alpacaeval', '2026-12-02', { judge: 'mtbench', complete: false, figures: [figure('a.x', 8)] }),
      ],
      [],
    );
    const autoj = table.rows.find((r) => r.judge === 'autoj')!;
    expect(autoj.figures['a.x']!.value).toBe(2);
    expect(autoj.sources).toEqual([expect.objectContaining({ finishedAt: '2026-12-02', complete: true })]);
    const mt = table.rows.find((r) => r.judge === 'mtbench')!;
    expect(mt.figures['a.x']!.value).toBe(9);
    expect(mt.sources).toEqual([expect.objectContaining({ finishedAt: '2026-12-03', complete: false })]);
  });

  it("shows a ruler scored in another judge's run as its own row, unless the ruler has a run of that suite", () => {
    const baselines = [{ judge: 'length', figures: [figure('p.agreement', 53)] }];
    const inside = assembleJudgeTable(
      [run('pairwise', '2026-12-01', { judge: 'autoj', figures: [figure('p.agreement', 55)], baselines })],
      [],
    );
    expect(inside.rows.map((r) => r.judge)).toEqual(['autoj', 'length']);
    expect(inside.rows[1]!.figures['p.agreement']!.value).toBe(53);
    expect(inside.rows[1]!.sources[0]).toMatchObject({ suite: 'pairwise', baselineOf: 'autoj' });
    const own = assembleJudgeTable(
      [
        run('pairwise', '2026-12-01', { judge: 'autoj', figures: [figure('p.agreement', 55)], baselines }),
        run('pairwise', '2026-11-01', { judge: 'length', figures: [figure('p.agreement', 52.9)] }),
      ],
      [],
    );
    expect(own.rows[1]!.figures['p.agreement']!.value).toBe(52.9);
    expect(own.rows[1]!.sources[0]!.baselineOf).toBeUndefined();
  });

  it('leaves a figure a judge has no run for absent ("not run"), and a column no run fills shows as one', () => {
    const absent = [{ key: 'a.instance', label: 'Instance', kind: 'percent' as const }];
    const table = assembleJudgeTable(
      [
        run('alpacaeval', '2026-12-01', { judge: 'autoj', figures: [figure('a.x', 1)], absent }),
        run('pairwise', '2026-12-01', { judge: 'mtbench', figures: [figure('p.kappa', null)] }),
      ],
      [],
    );
    expect(table.columns.map((c) => c.key)).toEqual(['a.x', 'a.instance', 'p.kappa']);
    const mt = table.rows.find((r) => r.judge === 'mtbench')!;
    expect(mt.figures['a.x']).toBeUndefined();
    // computed but undefined is null, not absent
    expect(mt.figures['p.kappa']).toMatchObject({ value: null });
    expect(mt.parseFailure).toBeNull();
    expect(mt.speed).toBeNull();
    // once a run fills the column by name (a.instance.gpt4), the placeholder column goes
    const filled = assembleJudgeTable(
      [
        run('alpacaeval', '2026-12-02', { judge: 'autoj', figures: [figure('a.instance.gpt4', 70)] }),
        run('alpacaeval', '2026-12-01', { judge: 'length', figures: [], absent }),
      ],
      [],
    );
    expect(filled.columns.map((c) => c.key)).toEqual(['a.instance.gpt4']);
  });

  it('sums parse failures over the runs used', () => {
    const table = assembleJudgeTable(
      [
        run('alpacaeval', '2026-12-02', { judge: 'autoj', judgments: { requested: 100, unparsed: 3 } }),
        run('alpacaeval', '2026-12-01', { judge: 'autoj', judgments: { requested: 900, unparsed: 90 } }),
        run('pairwise', '2026-12-01', { judge: 'autoj', judgments: { requested: 300, unparsed: 1 } }),
      ],
      [],
    );
    expect(table.rows[0]!.parseFailure).toEqual({ rate: 1, unparsed: 4, requested: 400 });
  });
});

describe('columnGroups', () => {
  it('one table per suite in column order, and one more per sub-table a suite names', () => {
    const groups = columnGroups([
      { key: 'alpacaeval.spearman.ae2', label: 'Spearman ae2', kind: 'coefficient' },
      { key: 'alpacaeval.instance.x', label: 'Instance agr. ae2', kind: 'percent', table: 'instance' },
      { key: 'pairwise.agreement', label: 'Agreement', kind: 'percent' },
      { key: 'alpacaeval.kendall.ae2', label: 'Kendall ae2', kind: 'coefficient' },
      {
        key: 'alpacaeval.instance-kappa.x',
        label: 'Instance kappa ae2',
        kind: 'coefficient',
        table: 'instance',
      },
    ]);
    expect(groups.map((g) => [g.suite, g.table, g.columns.map((c) => c.label)])).toEqual([
      ['alpacaeval', undefined, ['Spearman ae2', 'Kendall ae2']],
      ['alpacaeval', 'instance', ['Instance agr. ae2', 'Instance kappa ae2']],
      ['pairwise', undefined, ['Agreement']],
    ]);
  });
});

describe('JudgmentStore.timing', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('busy time is the union of the intervals per endpoint; wall time the union over all endpoints', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const store = JudgmentStore.open(path.join(dir, 'j.sqlite'));
    const at = (ms: number) => new Date(Date.UTC(2026, 11, 1) + ms).toISOString();
    const A = 'http://127.0.0.1:8000/v1';
    const B = 'http://127.0.0.1:8001/v1';
    // endpoint A: [0, 1000] and [500, 1500] overlap -> 1500; [3000, 3500] -> 500: busy 2000
    // endpoint B: [1000, 2500] -> 1500
    // all: [0, 2500] and [3000, 3500] -> wall 3000
    const judgments: [string, number, number][] = [
      [A, 1000, 1000],
      [A, 1500, 1000],
      [A, 3500, 500],
      [B, 2500, 1500],
    ];
    store.putMany([
      ...judgments.map(([endpoint, end, latency], i) =>
        singleRecord(i, { endpoint, createdAt: at(end), latencyMs: latency }),
      ),
      // a batch-engine answer has no latency: not timed
      singleRecord(10, { latencyMs: null, createdAt: at(9000) }),
      singleRecord(11, { judge: 'mtbench', endpoint: A, createdAt: at(200), latencyMs: 100 }),
    ]);
    const timing = store.timing();
    store.close();
    expect(timing).toEqual([
      { judge: 'autoj', judgments: 4, latencyMs: 4000, busyMs: 3500, wallMs: 3000, endpoints: 2 },
      { judge: 'mtbench', judgments: 1, latencyMs: 100, busyMs: 100, wallMs: 100, endpoints: 1 },
    ]);
    const table = assembleJudgeTable([run('alpacaeval', '2026-12-01', { judge: 'autoj' })], timing);
    expect(table.rows[0]!.speed).toEqual({
      judgments: 4,
      endpoints: 2,
      perSecond: 4 / 3,
      gpuSecondsPer1000: (1000 * 3.5) / 4,
      meanLatencySeconds: 1,
    });
  });
});
