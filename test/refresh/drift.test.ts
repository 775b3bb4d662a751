import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleIndices } from '../../harness/stats/rng.js';
import { INSTRUCTIONS, makeAlpacaTree } from '../helpers/alpaca-tree.js';
import { refresh, workspace } from './helpers.js';

/**
 * `bench refresh` reports rank moves beyond the new run's 95% intervals (drift) in its
 * summary and JSON, and with --fail-on-drift exits 4; a model that only moves down because
 * a better one joined does not drift.
 */

const N = INSTRUCTIONS.length;
const SUBSET = 10;
// `flip` answers the instructions of seed 1's subset at length, every other one in a word
const seedOne = new Set(sampleIndices(N, SUBSET, 1));
const flip = Array.from({ length: N }, (_, i) => (seedOne.has(i) ? 'x'.repeat(1000) : 'x'));
const constant = (length: number) => Array.from({ length: N }, () => 'x'.repeat(length));
const AE2 =
  ',win_rate,length_controlled_winrate,mode\nflip,60,50,community\na,50,50,community\nb,40,40,community\nc,30,30,community\n';
const tree = makeAlpacaTree(
  {
    flip: { outputs: flip },
    a: { outputs: constant(500) },
    b: { outputs: constant(400) },
    c: { outputs: constant(300) },
    newcomer: { outputs: constant(2000) },
  },
  { ae2: AE2 },
);
const env = { ALPACA_EVAL_SOURCE: tree };
const night = (ws: ReturnType<typeof workspace>, date: string, ...extra: string[]) =>
  refresh(ws, ['--judge', 'length', '--date', date, '--instructions', String(SUBSET), ...extra], env);

interface Outcome {
  drift: { model: string; from: number; to: number; expected: number; rankCi95: [number, number] }[];
}

describe('bench refresh: drift', () => {
  it('reports a rank moved beyond its interval, and exits 4 with --fail-on-drift (the snapshot written)', async () => {
    const ws = workspace();
    const first = await night(ws, '2024-05-01', '--seed', '1');
    expect(first.code, first.stderr).toBe(0);
    // the same outputs on another subset of instructions: flip falls from first to last
    const second = await night(ws, '2024-05-02', '--seed', '2', '--json');
    expect(second.code, second.stderr).toBe(0);
    const { drift } = JSON.parse(second.stdout) as Outcome;
    expect(drift[0]).toMatchObject({ model: 'flip', from: 1, to: 4, expected: 1, rankCi95: [4, 4] });
    const third = await night(ws, '2024-05-03', '--seed', '1', '--fail-on-drift');
    expect(third.code).toBe(4);
    expect(third.stdout).toMatch(
      /^drift \(\d+ rank moves beyond their 95% intervals\): flip 4->1 \(expected 4, 95% \[1\.0, 1\.0\]\)/m,
    );
    expect(third.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^bench: \d+ rank move\(s\) beyond their 95% intervals \(drift\): flip 4->1.*; the snapshot is written$/,
    );
    expect(third.stderr).toContain('2024-05-03.json');
  });

  it('a model moved down by a better newcomer does not drift', async () => {
    const ws = workspace();
    expect((await night(ws, '2024-05-01', '--seed', '1')).code).toBe(0);
    const asOf = join(ws.root, 'ae2-with-newcomer.csv');
    writeFileSync(asOf, `${AE2}newcomer,70,70,community\n`);
    const second = await night(ws, '2024-05-02', '--seed', '1', '--as-of', asOf, '--fail-on-drift');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('rank moves (4)');
    expect(second.stdout).toContain('drift: none (no rank moved beyond its 95% interval)');
  });
});
