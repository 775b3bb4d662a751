import { describe, expect, it } from 'vitest';
import {
  bootstrapItemMeans,
  withReplicateMemo,
  type ReplicateMemo,
  type ScoreMatrix,
} from '../../harness/stats/bootstrap.js';
import { groupedAgreement } from '../../harness/stats/instance-agreement.js';
import { lengthControlledScore } from '../../harness/stats/length-control.js';
import { createRng } from '../../harness/stats/rng.js';
import type { Reference } from '../../harness/source/references.js';
import { correlateWithBootstrap } from '../../suites/alpacaeval/correlate.js';
import { expected } from './significance-fixture.js';

/**
 * Issue 13: a rerun recalls the bootstraps it computed before from the store's memo
 * (withReplicateMemo). What it recalls must be exactly what it would compute, and it must be
 * what the statistic uses (not computed again beside it).
 */

/** A memo in a Map, counting what it is asked and given. */
function mapMemo(): ReplicateMemo & { values: Map<string, Float64Array>; recalled: number } {
  const values = new Map<string, Float64Array>();
  const memo = {
    values,
    recalled: 0,
    recall(ids: readonly string[]) {
      const found = new Map<string, Float64Array>();
      for (const id of ids) {
        const v = values.get(id);
        if (v) {
          found.set(id, v);
          memo.recalled++;
        }
      }
      return found;
    },
    remember(id: string, replicates: Float64Array) {
      values.set(id, Float64Array.from(replicates));
    },
  };
  return memo;
}

const matrixOf = (seed: number, models: number, items: number): ScoreMatrix => {
  const rng = createRng(seed);
  const values = Float64Array.from({ length: models * items }, () => Math.floor(rng() * 10) + 1);
  const valid = Uint8Array.from(values, (_, c) => (c % 7 === 3 ? 0 : 1));
  return { models, items, values, valid };
};
const meansOf = (m: ScoreMatrix, seed: number) => {
  const out: number[][] = [];
  bootstrapItemMeans(m, (means) => out.push(Array.from(means)), { resamples: 40, seed });
  return out;
};

describe('bootstraps recalled from a memo', () => {
  it('bootstrapItemMeans: rows remembered, then recalled, give the replicates a fresh run gives', () => {
    const memo = mapMemo();
    const fresh = meansOf(matrixOf(1, 5, 30), 4);
    meansOf(matrixOf(2, 3, 30), 4); // another matrix in between: the in-process reuse cannot help
    const first = withReplicateMemo(memo, () => meansOf(matrixOf(1, 5, 30), 4));
    expect(first).toEqual(fresh);
    expect(memo.values.size).toBe(5);
    meansOf(matrixOf(2, 3, 30), 4);
    const recalled = withReplicateMemo(memo, () => meansOf(matrixOf(1, 5, 30), 4));
    expect(memo.recalled).toBe(5);
    expect(recalled).toEqual(fresh);
    // what is recalled is what is used
    for (const v of memo.values.values()) v.fill(42);
    meansOf(matrixOf(2, 3, 30), 4);
    const tampered = withReplicateMemo(memo, () => meansOf(matrixOf(1, 5, 30), 4));
    expect(tampered.every((means) => means.every((x) => x === 42))).toBe(true);
    // other draws are other ids
    withReplicateMemo(memo, () => meansOf(matrixOf(1, 5, 30), 5));
    expect(memo.values.size).toBe(10);
  });

  it('the length-controlled fit: the same interval recalled, and the recalled replicates are the ones used', () => {
    const c = expected.lengthControl[0]!;
    const options = { bootstrap: { resamples: c.resamples, seed: c.seed } };
    const fresh = lengthControlledScore(c, options);
    const memo = mapMemo();
    expect(withReplicateMemo(memo, () => lengthControlledScore(c, options))).toEqual(fresh);
    expect(memo.values.size).toBe(1);
    expect(withReplicateMemo(memo, () => lengthControlledScore(c, options))).toEqual(fresh);
    expect(memo.recalled).toBe(1);
    for (const v of memo.values.values()) v.fill(1.5);
    expect(withReplicateMemo(memo, () => lengthControlledScore(c, options)).ci95).toEqual([1.5, 1.5]);
  });

  it('grouped agreement: the same intervals recalled, undefined ones included', () => {
    const groups = [
      { first: ['a', 'b', 'a', 'b', null, 'a'], second: ['a', 'b', 'b', 'b', 'a', 'a'], pooled: true },
      // one label only on both sides: kappa undefined, and so its interval
      { first: ['a', 'a', 'a', 'a', 'a', 'a'], second: ['a', 'a', 'a', 'a', 'a', 'a'], pooled: false },
    ];
    const options = { bootstrap: { resamples: 60, seed: 8 } };
    const fresh = groupedAgreement(groups, 6, options);
    const memo = mapMemo();
    expect(withReplicateMemo(memo, () => groupedAgreement(groups, 6, options))).toEqual(fresh);
    expect(withReplicateMemo(memo, () => groupedAgreement(groups, 6, options))).toEqual(fresh);
    expect(memo.recalled).toBe(1);
    expect(fresh.groups[1]!.kappaCi95).toBeNull();
    // another pooling is another id
    withReplicateMemo(memo, () =>
      groupedAgreement([groups[0]!, { ...groups[1]!, pooled: true }], 6, options),
    );
    expect(memo.values.size).toBe(2);
  });

  it("a run's correlations: each reference's replicates recalled, the bootstrap over items not drawn again", () => {
    const items = 30;
    const matrix = matrixOf(3, 8, items);
    const models = Array.from({ length: 8 }, (_, m) => {
      const values = matrix.values.subarray(m * items, (m + 1) * items);
      const valid = matrix.valid.subarray(m * items, (m + 1) * items);
      return {
        model: `m${m}`,
        score: values.reduce((a, v, i) => a + (valid[i] ? v : 0), 0),
        vector: { values, valid },
      };
    });
    const reference = (name: string, offset: number): Reference => ({
      name,
      label: name,
      file: `${name}.csv`,
      column: 'win_rate',
      scores: new Map(models.map((m, i) => [m.model, ((i * 7 + offset) % 8) + 0.5])),
      excluded: [],
    });
    const references = [reference('a', 1), reference('b', 4)];
    const options = { resamples: 50, seed: 2, items };
    const fresh = correlateWithBootstrap(models, references, options);
    const memo = mapMemo();
    meansOf(matrixOf(2, 3, items), 4); // the in-process reuse of item means cannot help
    expect(withReplicateMemo(memo, () => correlateWithBootstrap(models, references, options))).toEqual(fresh);
    const kept = [...memo.values.keys()].filter((id) => id.startsWith('correlations/'));
    expect(kept).toHaveLength(2);
    meansOf(matrixOf(2, 3, items), 4);
    const before = memo.recalled;
    expect(withReplicateMemo(memo, () => correlateWithBootstrap(models, references, options))).toEqual(fresh);
    // the two references' replicates, and no row of item means: nothing was drawn
    expect(memo.recalled - before).toBe(2);
    memo.values.get(kept[0]!)!.fill(0.25);
    const tampered = withReplicateMemo(memo, () => correlateWithBootstrap(models, references, options));
    expect(tampered[0]!.spearman.ci95).toEqual([0.25, 0.25]);
    expect(tampered[1]).toEqual(fresh[1]);
  });
});
