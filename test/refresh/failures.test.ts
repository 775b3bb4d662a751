import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { INSTRUCTIONS, makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { fileState, refresh, workspace, type Workspace } from './helpers.js';

/** A tiny source: three models with outputs (for every instruction), one without, one dev row. */
const AE2 =
  ',win_rate,length_controlled_winrate,mode\nlong,70,60,community\nmid,50,50,minimal\nshort,30,40,community\nghost,20,20,community\nlong_verbose,80,55,dev\n';
const tree = makeAlpacaTree(
  {
    long: { outputs: outputsOfLength(INSTRUCTIONS.length, 300) },
    mid: { outputs: outputsOfLength(INSTRUCTIONS.length, 200) },
    short: { outputs: outputsOfLength(INSTRUCTIONS.length, 100) },
    long_verbose: { outputs: outputsOfLength(INSTRUCTIONS.length, 900) },
  },
  { ae2: AE2 },
);

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

/** A workspace with one good length snapshot and a site folder to keep an eye on. */
async function goodNight(): Promise<Workspace> {
  const ws = workspace();
  const r = await refresh(ws, ['--judge', 'length', '--date', '2024-05-01'], { ALPACA_EVAL_SOURCE: tree });
  expect(r.code, r.stderr).toBe(0);
  if (!existsSync(ws.site)) {
    mkdirSync(ws.site, { recursive: true });
    writeFileSync(join(ws.site, 'index.html'), '<p>the published site</p>\n');
  }
  return ws;
}

/** Everything a failed refresh must leave alone. */
const published = (ws: Workspace) => ({ leaderboards: fileState(ws.leaderboards), site: fileState(ws.site) });

describe('bench refresh: a failed night leaves the last good snapshot, latest and site as they were', () => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await goodNight();
  });

  it('the first night of the tiny source is as expected', () => {
    const latest = JSON.parse(readFileSync(join(ws.leaderboards, 'length', 'latest.json'), 'utf8')) as {
      models: { model: string; rank: number }[];
      skipped: { model: string; reason: string }[];
    };
    expect(latest.models.map((m) => [m.model, m.rank])).toEqual([
      ['long', 1],
      ['mid', 2],
      ['short', 3],
    ]);
    expect(latest.skipped.map((s) => s.model).sort()).toEqual(['ghost', 'long_verbose']);
  });

  it('source unreachable: exits non-zero with the reason', async () => {
    const before = published(ws);
    const port = await closedPort();
    const r = await refresh(ws, [
      '--judge',
      'length',
      '--source',
      `http://127.0.0.1:${port}/`,
      '--date',
      '2024-05-02',
    ]);
    expect(r.code).not.toBe(0);
    expect(lastLine(r.stderr)).toMatch(
      new RegExp(`^bench: http://127\\.0\\.0\\.1:${port}/.*source unreachable`),
    );
    expect(published(ws)).toEqual(before);
  });

  it('judge unreachable: exits non-zero with the reason, even with something new to judge', async () => {
    // An autoj leaderboard whose last snapshot came from another judge: the refresh has work to do.
    cpSync(join(ws.leaderboards, 'length'), join(ws.leaderboards, 'autoj'), { recursive: true });
    const before = published(ws);
    const port = await closedPort();
    const r = await refresh(
      ws,
      ['--judge', 'autoj', '--endpoint', `http://127.0.0.1:${port}/v1`, '--date', '2024-05-02'],
      { ALPACA_EVAL_SOURCE: tree },
    );
    expect(r.code).not.toBe(0);
    // the real connection failure, with the hint how to start a server
    expect(lastLine(r.stderr)).toMatch(new RegExp(`^bench: .*127\\.0\\.0\\.1:${port}.*bench serve`));
    expect(published(ws)).toEqual(before);
    expect(existsSync(join(ws.leaderboards, 'autoj', '.refresh.lock'))).toBe(false);
  });

  it('judge unreachable on a first night: no folder is left behind', async () => {
    const before = published(ws);
    const port = await closedPort();
    const r = await refresh(ws, ['--judge', 'autoj', '--endpoint', `http://127.0.0.1:${port}/v1`], {
      ALPACA_EVAL_SOURCE: tree,
    });
    expect(r.code).not.toBe(0);
    expect(published(ws)).toEqual(before);
    expect(existsSync(join(ws.leaderboards, 'autoj'))).toBe(false);
  });

  it('a bad --as-of CSV (missing, or without the column) exits non-zero naming the file', async () => {
    const before = published(ws);
    const missing = await refresh(ws, ['--judge', 'length', '--as-of', join(ws.root, 'nope.csv')], {
      ALPACA_EVAL_SOURCE: tree,
    });
    expect(missing.code).toBe(1);
    expect(lastLine(missing.stderr)).toBe(`bench: ${join(ws.root, 'nope.csv')}: file not found`);
    const bad = join(ws.root, 'bad.csv');
    writeFileSync(bad, ',score,mode\nlong,1,community\n');
    const column = await refresh(ws, ['--judge', 'length', '--as-of', bad], { ALPACA_EVAL_SOURCE: tree });
    expect(column.code).toBe(1);
    expect(lastLine(column.stderr)).toBe(
      `bench: ${bad}: no column "win_rate" (columns: (unnamed), score, mode)`,
    );
    const empty = join(ws.root, 'empty.csv');
    writeFileSync(empty, ',win_rate,mode\nx,1,dev\n');
    const none = await refresh(ws, ['--judge', 'length', '--as-of', empty], { ALPACA_EVAL_SOURCE: tree });
    expect(none.code).toBe(1);
    expect(lastLine(none.stderr)).toMatch(/lists no models/);
    expect(published(ws)).toEqual(before);
  });

  it('rejects a malformed --date before doing anything', async () => {
    for (const date of ['2024-13-01', '24-05-01', 'today']) {
      const r = await refresh(ws, ['--judge', 'length', '--date', date], { ALPACA_EVAL_SOURCE: tree });
      expect(r.code, date).not.toBe(0);
      expect(lastLine(r.stderr)).toMatch(/--date must be a calendar date YYYY-MM-DD/);
    }
  });
});

describe('bench refresh: the lock', () => {
  const lockOf = (ws: Workspace) => join(ws.leaderboards, 'length', '.refresh.lock');
  const env = { ALPACA_EVAL_SOURCE: tree };

  it('refuses a second refresh while one runs, and the first one completes', async () => {
    const ws = workspace();
    const [a, b] = await Promise.all([
      refresh(ws, ['--judge', 'length', '--date', '2024-05-01'], env),
      refresh(ws, ['--judge', 'length', '--date', '2024-05-01'], env),
    ]);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    expect(winner.code, winner.stderr).toBe(0);
    expect(loser.code).toBe(75);
    expect(lastLine(loser.stderr)).toMatch(
      /^bench: another refresh is running \(pid \d+ on .*lock .*\.refresh\.lock\)$/,
    );
    expect(existsSync(lockOf(ws))).toBe(false);
    expect(readdirSync(join(ws.leaderboards, 'length')).sort()).toEqual([
      '2024-05-01.csv',
      '2024-05-01.json',
      'latest.csv',
      'latest.json',
    ]);
  });

  it('refuses while a live process holds the lock, writing nothing', async () => {
    const ws = await goodNight();
    const holder = `${JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: '2024-05-02T02:00:00.000Z', command: 'bench refresh' })}\n`;
    writeFileSync(lockOf(ws), holder);
    const before = published(ws);
    const r = await refresh(ws, ['--judge', 'length', '--date', '2024-05-02', '--force'], env);
    expect(r.code).toBe(75);
    expect(lastLine(r.stderr)).toContain(
      `another refresh is running (pid ${process.pid} on ${hostname()}, started 2024-05-02T02:00:00.000Z`,
    );
    expect(published(ws)).toEqual(before);
    expect(readFileSync(lockOf(ws), 'utf8')).toBe(holder);
  });

  it('takes over a stale lock whose process is gone, with a warning', async () => {
    const ws = await goodNight();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(
      lockOf(ws),
      `${JSON.stringify({ pid: dead, hostname: hostname(), startedAt: '2024-05-02T02:00:00.000Z', command: 'bench refresh' })}\n`,
    );
    const r = await refresh(ws, ['--judge', 'length', '--date', '2024-05-02', '--force', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`bench: warning: took over the stale lock .*\\(pid ${dead} on .*that process is gone\\)`),
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'updated',
      date: '2024-05-02',
      reasons: ['--force'],
    });
    expect(existsSync(lockOf(ws))).toBe(false);
  });
});

describe('bench refresh: derived files that lag behind the newest snapshot', () => {
  const env = { ALPACA_EVAL_SOURCE: tree };

  it('a failed site build keeps the snapshot; the next refresh with nothing new rebuilds only the site', async () => {
    const ws = workspace();
    // a folder the site builder refuses to replace
    mkdirSync(ws.site, { recursive: true });
    writeFileSync(join(ws.site, 'notes.txt'), 'not a site\n');
    const first = await refresh(ws, ['--judge', 'length', '--date', '2024-05-01'], env);
    expect(first.code).toBe(1);
    expect(lastLine(first.stderr)).toMatch(
      /the snapshot .*2024-05-01\.json is written but the site build failed \(.*not empty/,
    );
    expect(existsSync(join(ws.leaderboards, 'length', 'latest.json'))).toBe(true);
    expect(readFileSync(join(ws.site, 'notes.txt'), 'utf8')).toBe('not a site\n');

    rmSync(ws.site, { recursive: true });
    const lb = fileState(ws.leaderboards);
    const second = await refresh(ws, ['--judge', 'length', '--date', '2024-05-02', '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'unchanged', repaired: ['site'] });
    expect(second.stderr).toMatch(/nothing new since 2024-05-01 .*; rewrote site, which lagged behind it/);
    expect(fileState(ws.leaderboards)).toEqual(lb);
    expect(existsSync(join(ws.site, 'history', 'length.html'))).toBe(true);

    // and then it is current: nothing is written at all
    const site = fileState(ws.site);
    const third = await refresh(ws, ['--judge', 'length', '--date', '2024-05-03', '--json'], env);
    expect(JSON.parse(third.stdout)).toMatchObject({ status: 'unchanged', repaired: [] });
    expect(fileState(ws.site)).toEqual(site);
  });

  it('rewrites a latest.json that is not the newest snapshot', async () => {
    const ws = await goodNight();
    const dir = join(ws.leaderboards, 'length');
    writeFileSync(join(dir, 'latest.json'), '{}\n');
    const r = await refresh(ws, ['--judge', 'length', '--json'], env);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'unchanged', repaired: ['latest'] });
    expect(readFileSync(join(dir, 'latest.json'), 'utf8')).toBe(
      readFileSync(join(dir, '2024-05-01.json'), 'utf8'),
    );
  });
});
