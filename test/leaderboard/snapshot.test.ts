import { describe, expect, it } from 'vitest';
import {
  buildSnapshot,
  diffSnapshots,
  snapshotCsv,
  type RankedRun,
} from '../../harness/leaderboard/snapshot.js';
import type { LeaderboardSnapshot, SnapshotInputs } from '../../harness/leaderboard/types.js';
import { lengthJudgeInfo } from '../../harness/judge/length.js';

const stat = (value: number | null) => ({ value, ci95: null });

function run(
  models: { model: string; score: number | null; hash?: string; ref?: number }[],
  spearman = 0.5,
): RankedRun {
  const scored = models.filter((m) => m.score !== null).sort((a, b) => b.score! - a.score!);
  return {
    judge: lengthJudgeInfo,
    settings: { instructions: 805, seed: 1, bootstrap: 0 },
    models: models.map((m) => ({
      model: m.model,
      rank: m.score === null ? null : scored.findIndex((s) => s.model === m.model) + 1,
      score: m.score,
      se: null,
      n: 805,
      parsed: 805,
      unparsed: 0,
      errors: 0,
      meanLength: m.score ?? 0,
      contentHash: m.hash ?? `h-${m.model}`,
      references: (m.ref === undefined ? {} : { ae2: m.ref }) as Record<string, number>,
    })),
    correlations: [
      {
        reference: 'ae2',
        n: scored.length,
        spearman: stat(spearman),
        kendall: stat(0.4),
        pearson: stat(null),
      },
    ],
    skipped: [{ model: 'ghost', reason: 'no outputs in the source', references: ['ae2'] }],
    manifest: {
      instructionSetSha256: 'i',
      judgments: { requested: 0, cached: 0, sent: 0, unparsed: 0, errors: 0 },
    },
  };
}

const inputs: SnapshotInputs = {
  judge: { name: 'length', model: 'length', templateVersion: 'length-v1', sampling: null },
  instructionSetSha256: 'i',
  reference: 'ae2',
  values: { a: 1, b: 2, c: 3, ghost: 4 },
  excluded: [],
  submissions: { a: 'pre-a', b: 'pre-b', c: 'pre-c', ghost: null },
};

function snap(date: string, r: RankedRun, previous: LeaderboardSnapshot | null = null): LeaderboardSnapshot {
  return buildSnapshot({
    run: r,
    date,
    createdAt: `${date}T03:00:00.000Z`,
    references: [{ name: 'ae2', label: 'AE2', column: 'win_rate', file: 'x.csv', sha256: 's' }],
    inputs,
    previous,
    runFile: null,
  });
}

describe('buildSnapshot', () => {
  it('ranks best first, keeps skipped models, records the judged hashes as inputs', () => {
    const s = snap(
      '2024-01-01',
      run([
        { model: 'b', score: 1 },
        { model: 'a', score: 3 },
        { model: 'z', score: null },
      ]),
    );
    expect(s.models.map((m) => [m.model, m.rank])).toEqual([
      ['a', 1],
      ['b', 2],
      ['z', null],
    ]);
    expect(s.changes).toBeNull();
    expect(s.models.every((m) => m.since === '2024-01-01')).toBe(true);
    expect(s.skipped).toEqual([{ model: 'ghost', reason: 'no outputs in the source', references: ['ae2'] }]);
    // judged content wins over the pre-check's hash; models not judged keep theirs
    expect(s.inputs.submissions).toEqual({ a: 'h-a', b: 'h-b', c: 'pre-c', ghost: null });
  });

  it('carries `since` over and lists added, removed, changed, rank moves and correlation deltas', () => {
    const first = snap(
      '2024-01-01',
      run(
        [
          { model: 'a', score: 3, ref: 10 },
          { model: 'b', score: 2, ref: 20 },
          { model: 'old', score: 1 },
        ],
        0.5,
      ),
    );
    const second = snap(
      '2024-02-01',
      run(
        [
          { model: 'a', score: 3, ref: 11 },
          { model: 'b', score: 2, hash: 'new-b', ref: 20 },
          { model: 'new', score: 4 },
        ],
        0.75,
      ),
      first,
    );
    expect(second.models.find((m) => m.model === 'a')!.since).toBe('2024-01-01');
    expect(second.models.find((m) => m.model === 'new')!.since).toBe('2024-02-01');
    expect(second.changes).toEqual({
      previousDate: '2024-01-01',
      added: ['new'],
      removed: ['old'],
      changed: ['b'],
      referenceChanges: [{ model: 'a', reference: 'ae2', from: 10, to: 11 }],
      rankMoves: [
        { model: 'a', from: 1, to: 2 },
        { model: 'b', from: 2, to: 3 },
      ],
      correlationDeltas: [
        { reference: 'ae2', statistic: 'spearman', from: 0.5, to: 0.75 },
        { reference: 'ae2', statistic: 'kendall', from: 0.4, to: 0.4 },
        { reference: 'ae2', statistic: 'pearson', from: null, to: null },
      ],
    });
  });

  it('orders rank moves by size, then by the new rank', () => {
    const prev = {
      date: 'p',
      correlations: [],
      models: ['a', 'b', 'c', 'd'].map((m, i) => ({ model: m, rank: i + 1, contentHash: m, references: {} })),
    };
    const next = {
      correlations: [],
      models: [
        { model: 'd', rank: 1, contentHash: 'd', references: {} },
        { model: 'a', rank: 2, contentHash: 'a', references: {} },
        { model: 'b', rank: 3, contentHash: 'b', references: {} },
        { model: 'c', rank: 4, contentHash: 'c', references: {} },
      ],
    };
    const d = diffSnapshots(prev as unknown as LeaderboardSnapshot, next as unknown as LeaderboardSnapshot);
    expect(d.rankMoves).toEqual([
      { model: 'd', from: 4, to: 1 },
      { model: 'a', from: 1, to: 2 },
      { model: 'b', from: 2, to: 3 },
      { model: 'c', from: 3, to: 4 },
    ]);
  });
});

describe('snapshotCsv', () => {
  it('has one row per model with the reference column, quoting where needed', () => {
    const s = snap(
      '2024-01-01',
      run([
        { model: 'a', score: 3, ref: 10 },
        { model: 'b,c', score: null },
      ]),
    );
    const lines = snapshotCsv(s).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'rank,model,score,se,n,parsed,unparsed,errors,mean_length,ae2,since,content_sha256',
    );
    expect(lines[1]).toBe('1,a,3,,805,805,0,0,3,10,2024-01-01,h-a');
    expect(lines[2]).toBe(',"b,c",,,805,805,0,0,0,,2024-01-01,"h-b,c"');
  });
});
