import { describe, expect, it } from 'vitest';
import type { JudgeInfo } from '../../harness/core/types.js';
import { diffModels, rankDrift, type DiffableRun } from '../../harness/leaderboard/run-diff.js';

const model = (name: string, rank: number | null, contentHash = 'h') => ({ model: name, rank, contentHash });

describe('rankDrift', () => {
  it('shifts the previous rank by models that entered above and left from above before testing the interval', () => {
    const previous = { models: [model('gone', 1), model('x', 2), model('y', 3), model('z', 4)] };
    // gone left (x, y, z move up one), new entered above z (z moves down one)
    const current = { models: [model('x', 1), model('y', 2), model('new', 3), model('z', 4)] };
    const tight = new Map([
      ['x', [1, 1] as const],
      ['y', [2, 2] as const],
      ['z', [4, 4] as const],
    ]);
    expect(rankDrift(previous, current, tight)).toEqual([]);
  });

  it('reports a move outside the interval, not one with new outputs or without an interval', () => {
    const previous = { models: [model('x', 1), model('y', 2), model('z', 3), model('w', 4)] };
    const current = { models: [model('y', 1), model('x', 2), model('w', 3, 'new'), model('z', 4)] };
    const intervals = new Map([
      ['x', [2, 2] as const],
      ['y', [1, 1.5] as const],
      ['w', [3, 3] as const],
    ]);
    expect(rankDrift(previous, current, intervals)).toEqual([
      { model: 'y', from: 2, to: 1, expected: 2, rankCi95: [1, 1.5] },
      { model: 'x', from: 1, to: 2, expected: 1, rankCi95: [2, 2] },
    ]);
    // the same move inside a wide interval is no drift
    expect(rankDrift(previous, current, new Map([['x', [1, 3] as const]]))).toEqual([]);
  });
});

const judge = (name: string): JudgeInfo => ({
  name,
  model: name,
  protocol: 'single',
  templateVersion: 't',
  description: name,
  ...(name === 'length' ? {} : { scale: { min: 1, max: 10 } }),
});

function run(
  name: string,
  models: [string, number, number, [number, number], [number, number]][],
): DiffableRun {
  return {
    judge: judge(name),
    settings: { instructions: 5, seed: 1, bootstrap: 10 },
    instructionIndices: [0, 1, 2, 3, 4],
    models: models.map(([m, score, rank, scoreCi95, rankCi95]) => ({
      model: m,
      score,
      rank,
      scoreCi95,
      rankCi95,
      contentHash: m,
    })),
    manifest: { finishedAt: '2026-12-01T00:00:00.000Z', instructionSetSha256: 's' },
  };
}

describe('diffModels', () => {
  it('rank deltas significant when the rank intervals are apart; scores compared on one scale only', () => {
    const a = run('autoj', [
      ['p', 8, 1, [7.5, 8.5], [1, 1]],
      ['q', 6, 2, [5.9, 6.1], [2, 3]],
      ['r', 5.9, 3, [5.8, 6.0], [2, 3]],
    ]);
    const b = run('autoj', [
      ['q', 7, 1, [6.9, 7.1], [1, 1]],
      ['p', 6.5, 2, [6, 7], [2, 2]],
      ['s', 1, 3, [1, 1], [3, 3]],
    ]);
    const d = diffModels(a, b);
    expect(d).toMatchObject({ sameScale: true, compared: 2, onlyA: ['r'], onlyB: ['s'], rankSignificant: 2 });
    const p = d.models.find((m) => m.model === 'p')!;
    expect(p).toMatchObject({
      rankDelta: 1,
      rankSignificant: true,
      scoreDelta: -1.5,
      scoreSignificant: true,
    });
    const other = diffModels(a, run('length', [['p', 900, 1, [800, 1000], [1, 2]]]));
    expect(other.sameScale).toBe(false);
    expect(other.models[0]).toMatchObject({
      rankDelta: 0,
      rankSignificant: false,
      scoreDelta: null,
      scoreSignificant: null,
    });
  });
});
