import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ReplicateMemo } from '../../harness/stats/bootstrap.js';
import { lengthControlledScore, type LengthControlInput } from '../../harness/stats/length-control.js';
import type { LengthControlPool as Pool } from '../../harness/stats/length-control-workers.js';
import { createRng } from '../../harness/stats/rng.js';

/**
 * The length-controlled fits in worker threads give what fitting each input in this thread
 * gives. The workers run the built module (dist/: `npm test` builds before it runs vitest),
 * as the CLI does; from the TypeScript sources the fits stay in the calling thread.
 */
const built = new URL('../../dist/harness/stats/length-control-workers.js', import.meta.url);

function inputs(count: number): LengthControlInput[] {
  const rng = createRng(5);
  const baseline = Array.from({ length: 120 }, () => 100 + rng() * 2000);
  return Array.from({ length: count }, (_, m) => ({
    ratings: baseline.map((_, i) => (i % 17 === m % 17 ? NaN : Math.floor(rng() * 10) + 1)),
    modelLengths: baseline.map((b) => Math.max(0, b + (rng() - 0.3) * 1500)),
    baselineLengths: baseline,
  }));
}

function mapMemo(): ReplicateMemo & { values: Map<string, Float64Array> } {
  const values = new Map<string, Float64Array>();
  return {
    values,
    recall: (ids) => new Map(ids.flatMap((id) => (values.has(id) ? [[id, values.get(id)!] as const] : []))),
    remember: (id, replicates) => void values.set(id, replicates),
  };
}

describe('length-controlled fits in worker threads', () => {
  it('equal the fits made one by one in this thread, and fill the memo with their replicates', async () => {
    expect(existsSync(fileURLToPath(built)), 'dist/ is built (npm run build) before the tests').toBe(true);
    // two cores at least, or there is no worker to test
    expect(availableParallelism()).toBeGreaterThan(1);
    const { LengthControlPool } = (await import(built.href)) as { LengthControlPool: typeof Pool };
    const lengthControlledScores = (
      xs: readonly LengthControlInput[],
      o: ConstructorParameters<typeof Pool>[0],
      m: ReplicateMemo,
    ) => {
      const pool = new LengthControlPool(o, m);
      for (const x of xs) pool.add(x);
      return pool.results();
    };
    const xs = inputs(20);
    const options = { bootstrap: { resamples: 200, seed: 11 } };
    const memo = mapMemo();
    const inThread = xs.map((x) => lengthControlledScore(x, options));
    const viaWorkers = await lengthControlledScores(xs, options, memo);
    expect(viaWorkers).toEqual(inThread);
    expect(memo.values.size).toBe(20);
    // recalled: nothing left to draw, the same figures
    const tampered = [...memo.values.keys()][3]!;
    memo.values.set(tampered, new Float64Array(200).fill(7));
    const again = await lengthControlledScores(xs, options, memo);
    expect(again.filter((r) => r.ci95?.[0] === 7)).toHaveLength(1);
    expect(again.filter((r) => r.ci95?.[0] !== 7)).toEqual(
      inThread.filter((_, i) => again[i]!.ci95?.[0] !== 7),
    );
  });

  it('a pool fed one input at a time, while the caller goes on, gives the same fits by ticket', async () => {
    const { LengthControlPool } = (await import(built.href)) as { LengthControlPool: typeof Pool };
    const xs = inputs(27);
    const options = { bootstrap: { resamples: 150, seed: 3 } };
    const pool = new LengthControlPool(options);
    const tickets: number[] = [];
    for (const x of [...xs].reverse()) {
      tickets.push(pool.add(x));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const fits = await pool.results();
    const inThread = [...xs].reverse().map((x) => lengthControlledScore(x, options));
    expect(tickets).toEqual(xs.map((_, i) => i));
    expect(fits).toEqual(inThread);
  });
});
