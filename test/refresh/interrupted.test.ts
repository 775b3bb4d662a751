import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartId } from '../../harness/core/process.js';
import { readSnapshot } from '../../harness/leaderboard/history.js';
import { snapshotCsv } from '../../harness/leaderboard/snapshot.js';
import { makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { deadPid, liveProcess } from '../helpers/processes.js';
import { refresh, workspace, type Workspace } from './helpers.js';

/**
 * A refresh killed in the middle of writing a snapshot's files: the next refresh (even one
 * with nothing new) makes the unit whole again from the snapshot's JSON, the record.
 */
const AE2 = ',win_rate,mode\nlong,70,community\nmid,50,minimal\nshort,30,community\n';
const tree = (midLength: number) =>
  makeAlpacaTree(
    {
      long: { outputs: outputsOfLength(20, 300) },
      mid: { outputs: outputsOfLength(20, midLength) },
      short: { outputs: outputsOfLength(20, 100) },
    },
    { ae2: AE2 },
  );
const FIRST = tree(200);
/** mid's outputs changed: something new, a same-date refresh replaces the snapshot */
const SECOND = tree(350);

const night = (ws: Workspace, source: string, args: readonly string[]) =>
  refresh(ws, ['--judge', 'length', '--min-coverage', '0', '--json', ...args], {
    ALPACA_EVAL_SOURCE: source,
  });

/** The files of the leaderboard folder, and whether each CSV is exactly its JSON's. */
async function unit(dir: string) {
  const names = readdirSync(dir).sort();
  const csvOk: Record<string, boolean> = {};
  for (const n of names.filter((f) => f.endsWith('.json'))) {
    const csv = join(dir, n.replace(/\.json$/, '.csv'));
    csvOk[n] = existsSync(csv) && readFileSync(csv, 'utf8') === snapshotCsv(await readSnapshot(join(dir, n)));
  }
  return { names, csvOk };
}

describe('bench refresh: a snapshot is written and repaired as one unit', () => {
  it('killed after <date>.json, before <date>.csv: the next night with nothing new writes the CSV', async () => {
    const ws = workspace();
    const dir = join(ws.leaderboards, 'length');
    const first = await night(ws, FIRST, ['--date', '2024-05-01']);
    expect(first.code, first.stderr).toBe(0);
    // what the kill leaves: the JSON and nothing after it
    for (const f of ['2024-05-01.csv', 'latest.json', 'latest.csv']) rmSync(join(dir, f));

    const next = await night(ws, FIRST, ['--date', '2024-05-02']);
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ status: 'unchanged', repaired: ['csv', 'latest'] });
    expect(next.stderr).toMatch(/bench: warning: .*rewrote 2024-05-01\.csv from 2024-05-01\.json/);
    expect(await unit(dir)).toEqual({
      names: ['2024-05-01.csv', '2024-05-01.json', 'latest.csv', 'latest.json'],
      csvOk: { '2024-05-01.json': true, 'latest.json': true },
    });
    expect(readFileSync(join(dir, 'latest.json'), 'utf8')).toBe(
      readFileSync(join(dir, '2024-05-01.json'), 'utf8'),
    );

    // and then the unit is whole: nothing is rewritten
    const third = await night(ws, FIRST, ['--date', '2024-05-03']);
    expect(JSON.parse(third.stdout)).toMatchObject({ status: 'unchanged', repaired: [] });
    expect(third.stderr).not.toMatch(/warning/);
  });

  it('a same-date replacement killed before its CSV: the old CSV does not stay beside the new JSON', async () => {
    const ws = workspace();
    const dir = join(ws.leaderboards, 'length');
    expect((await night(ws, FIRST, ['--date', '2024-05-01'])).code).toBe(0);
    const oldCsv = readFileSync(join(dir, '2024-05-01.csv'), 'utf8');
    const replaced = await night(ws, SECOND, ['--date', '2024-05-01']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout)).toMatchObject({ status: 'updated', replaced: true });
    // a complete replacement replaces every file of the unit
    expect((await unit(dir)).csvOk).toEqual({ '2024-05-01.json': true, 'latest.json': true });
    expect(readFileSync(join(dir, '2024-05-01.csv'), 'utf8')).not.toBe(oldCsv);

    // what a kill between the new JSON and the new CSV leaves: the old CSV
    writeFileSync(join(dir, '2024-05-01.csv'), oldCsv);
    const next = await night(ws, SECOND, ['--date', '2024-05-02']);
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ status: 'unchanged', repaired: ['csv'] });
    expect((await unit(dir)).csvOk).toEqual({ '2024-05-01.json': true, 'latest.json': true });
  });

  it('a night with something new also repairs an earlier snapshot, and removes what a kill left half-written', async () => {
    const ws = workspace();
    const dir = join(ws.leaderboards, 'length');
    expect((await night(ws, FIRST, ['--date', '2024-05-01'])).code).toBe(0);
    rmSync(join(dir, '2024-05-01.csv'));
    // a CSV written before its JSON was (a night killed before its commit), and temp files
    // of atomic writes that never got renamed
    writeFileSync(join(dir, '2024-04-30.csv'), 'rank,model\n1,stale\n');
    writeFileSync(join(dir, '.2024-05-02.json.4242.0badcafe.tmp'), '{"half":');
    writeFileSync(join(dir, '.latest.csv.4242.deadbeef.tmp'), 'rank');

    const next = await night(ws, SECOND, ['--date', '2024-05-02']);
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ status: 'updated', replaced: false });
    expect(next.stderr).toMatch(/rewrote 2024-05-01\.csv from 2024-05-01\.json/);
    expect(next.stderr).toMatch(/removed 2024-04-30\.csv \(no 2024-04-30\.json\)/);
    expect(await unit(dir)).toEqual({
      names: [
        '2024-05-01.csv',
        '2024-05-01.json',
        '2024-05-02.csv',
        '2024-05-02.json',
        'latest.csv',
        'latest.json',
      ],
      csvOk: { '2024-05-01.json': true, '2024-05-02.json': true, 'latest.json': true },
    });
  });

  it('a refused refresh (date before the newest snapshot) writes nothing, not even a repair', async () => {
    const ws = workspace();
    const dir = join(ws.leaderboards, 'length');
    expect((await night(ws, FIRST, ['--date', '2024-05-01'])).code).toBe(0);
    rmSync(join(dir, '2024-05-01.csv'));
    const r = await night(ws, FIRST, ['--date', '2024-04-01']);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, '2024-05-01.csv'))).toBe(false);
  });
});

describe('bench refresh: what a killed refresh leaves behind', () => {
  const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

  it('takes over a lock whose pid now belongs to an unrelated live process', async () => {
    const ws = workspace();
    expect((await night(ws, FIRST, ['--date', '2024-05-01'])).code).toBe(0);
    const lock = join(ws.leaderboards, 'length', '.refresh.lock');
    const other = await liveProcess();
    try {
      const [boot, ticks] = processStartId(other.pid)!.split(':');
      writeFileSync(
        lock,
        `${JSON.stringify({ pid: other.pid, hostname: hostname(), startedAt: '2024-05-02T02:00:00.000Z', command: 'bench refresh', processStart: `${boot}:${Number(ticks) - 100}`, token: 'ab' })}\n`,
      );
      const r = await night(ws, SECOND, ['--date', '2024-05-02']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        `bench: warning: took over the stale lock ${lock} (pid ${other.pid} on ${hostname()}, started 2024-05-02T02:00:00.000Z: pid ${other.pid} is another process now)`,
      );
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'updated', date: '2024-05-02' });
      expect(existsSync(lock)).toBe(false);
    } finally {
      other.stop();
    }
  });

  it('a lock path that is a folder is one line naming it and what to do', async () => {
    const ws = workspace();
    const lock = join(ws.leaderboards, 'length', '.refresh.lock');
    mkdirSync(lock, { recursive: true });
    const r = await night(ws, FIRST, ['--date', '2024-05-01']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `bench: ${lock} is a folder, not a lock file: remove it (no refresh uses a folder there) and run again`,
    ]);
    expect(readdirSync(join(ws.leaderboards, 'length'))).toEqual(['.refresh.lock']);
  });

  it('removes the site folders of a killed build when it rebuilds the site', async () => {
    const ws = workspace();
    const dead = deadPid();
    const leftover = join(ws.root, `.site.building-${dead}-0badcafe`);
    mkdirSync(join(leftover, 'models'), { recursive: true });
    writeFileSync(join(leftover, 'index.html'), '<p>half a site</p>\n');
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(leftover, old, old);
    const r = await night(ws, FIRST, ['--date', '2024-05-01']);
    expect(r.code, r.stderr).toBe(0);
    expect(lastLine(r.stderr)).toBe(`rebuilt the site in ${ws.site}`);
    expect(r.stderr).toContain(`report: removed ${leftover}, left by a build that was killed`);
    expect(readdirSync(ws.root).filter((f) => f.startsWith('.site'))).toEqual([]);
  });
});
