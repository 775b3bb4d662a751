/**
 * What bench run gives every suite, the pairwise suite gets too (issue 10, point 4): --out
 * writes result.json and its CSV (the authors' table), --report renders the site after the
 * run. Before the suites were declarations, only alpacaeval had these flags.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench } from '../helpers/cli.js';
import { AUTOJ, PREDICTIONS, SWAPPED } from '../pairwise/helpers.js';

describe('bench run pairwise --out --report', () => {
  it('writes result.json and groups.csv, and renders its page', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bench-pairwise-out-'));
    const r = await runBench(
      [
        'run',
        'pairwise',
        '--predictions',
        PREDICTIONS,
        '--swapped',
        SWAPPED,
        '--data',
        AUTOJ,
        '--bootstrap',
        '0',
        '--json',
        '--out',
        'out',
        '--report',
        'site',
      ],
      { env: { BENCH_HOME: join(root, '.bench') }, cwd: root },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'out', 'result.json'), 'utf8'))).toEqual(JSON.parse(r.stdout));
    const rows = readFileSync(join(root, 'out', 'groups.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(rows[0]).toBe(
      'group,n,agreement,consistency,agreement_non_tie,first_rate,tie_rate,unparsed_pairs',
    );
    expect(rows).toHaveLength(10);
    const overall = rows[9]!.split(',');
    expect(overall[0]).toBe('Overall');
    expect(overall[1]).toBe('1392');
    expect(Number(overall[2]).toFixed(2)).toBe('54.96');
    expect(Number(overall[3]).toFixed(2)).toBe('83.41');
    expect(r.stderr).toContain(`wrote ${join(root, 'out')}/result.json, groups.csv`);
    expect(readFileSync(join(root, 'site', 'pairwise', 'recorded.html'), 'utf8')).toContain('54.96%');
    expect(existsSync(join(root, 'site', 'index.html'))).toBe(true);
  });
});
