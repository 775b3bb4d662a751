/**
 * A suite is one folder (issue 10, point 4): a toy suite declared in a test fixture
 * (test/fixtures/toy-suite/), registered beside the built-in ones, gets `bench run toy`
 * with its declared options checked, `--json`, `--out`, its run archived under
 * .bench/runs, and a page in the report site, with nothing under harness/ knowing it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchCommands } from '../../harness/cli/commands/index.js';
import { builtInSuites } from '../../suites/index.js';
import { toySuite, type ToyResult } from '../fixtures/toy-suite/index.js';
import { runBench } from '../helpers/cli.js';

const withToy = benchCommands(builtInSuites.with(toySuite));

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'bench-toy-'));
  return { root, home: join(root, '.bench'), env: { BENCH_HOME: join(root, '.bench') } };
}

describe('a suite registered from a test fixture folder', () => {
  it('runs as bench run toy: --json, --out, the archive', async () => {
    const ws = workspace();
    const r = await runBench(['run', 'toy', '--judge', 'length', '--count', '4', '--json', '--out', 'out'], {
      env: ws.env,
      cwd: ws.root,
      commands: withToy,
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ToyResult;
    expect(doc).toMatchObject({ suite: 'toy', schemaVersion: 1, judge: { name: 'length' } });
    expect(doc.items.map((i) => i.rating)).toEqual([3, 13, 32, 2]);
    expect(doc.mean).toBe(12.5);
    // The shared manifest is the harness's, written for every suite.
    expect(doc.manifest).toMatchObject({ node: process.version, harnessVersion: expect.any(String) });
    expect(doc.manifest.durationMs).toBeGreaterThanOrEqual(0);

    const runs = readdirSync(join(ws.home, 'runs'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z_toy_length\.json$/);
    expect(JSON.parse(readFileSync(join(ws.home, 'runs', runs[0]!), 'utf8'))).toEqual(doc);
    expect(r.stderr).toContain(`result kept in ${join(ws.home, 'runs', runs[0]!)}`);

    expect(JSON.parse(readFileSync(join(ws.root, 'out', 'result.json'), 'utf8'))).toEqual(doc);
    expect(readFileSync(join(ws.root, 'out', 'items.csv'), 'utf8')).toBe(
      'answer,rating\nyes,3\n"no, not today",13\n"perhaps, if it rains before noon",32\nok,2\n',
    );

    const table = await runBench(['run', 'toy', '--judge', 'length'], {
      env: ws.env,
      cwd: ws.root,
      commands: withToy,
    });
    expect(table.stdout).toBe('toy: 3 answers rated by length, mean 16\n');
  });

  it('checks its declared options before doing anything, as every suite’s', async () => {
    const ws = workspace();
    const r = await runBench(['run', 'toy', '--judge', 'length', '--count', '9'], {
      env: ws.env,
      cwd: ws.root,
      commands: withToy,
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('bench: --count must be a whole number >= 1 and <= 5, got 9');
    expect(existsSync(ws.home)).toBe(false);
  });

  it('gets a page in the report site, linked from the overview and the navigation', async () => {
    const ws = workspace();
    const run = await runBench(['run', 'toy', '--judge', 'length', '--report', 'site'], {
      env: ws.env,
      cwd: ws.root,
      commands: withToy,
    });
    expect(run.code, run.stderr).toBe(0);
    const page = readFileSync(join(ws.root, 'site', 'toy', 'length.html'), 'utf8');
    expect(page).toContain('<h1>Toy: length</h1>');
    expect(page).toContain('Mean rating 16.00.');
    expect(page).toMatch(/<td>perhaps, if it rains before noon<\/td><td class="num">32<\/td>/);
    const overview = readFileSync(join(ws.root, 'site', 'index.html'), 'utf8');
    expect(overview).toContain('<h2>Toy suite</h2>');
    expect(overview).toContain('<a href="toy/length.html">length</a>');
    expect(overview).toContain('<a href="toy/length.html">Toy: length</a>');

    // bench report finds it in the archive again.
    const report = await runBench(['report', '--out', 'again'], {
      env: ws.env,
      cwd: ws.root,
      commands: withToy,
    });
    expect(report.code, report.stderr).toBe(0);
    expect(existsSync(join(ws.root, 'again', 'toy', 'length.html'))).toBe(true);
  });

  it('is unknown to the built-in registry: the CLI knows the suites it is given', async () => {
    const r = await runBench(['run', 'toy', '--judge', 'length'], { env: workspace().env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bench: Unknown arguments?: .*\btoy\b/);
    const help = await runBench(['run', '--help'], { commands: withToy });
    expect(help.stdout).toMatch(/bench run toy\s+rate a few fixed answers/);
  });
});
