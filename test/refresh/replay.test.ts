import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHistory } from '../../harness/leaderboard/history.js';
import type { LeaderboardSnapshot } from '../../harness/leaderboard/types.js';
import { fileState, hasOutputs, historyCsv, leaderboardRows, refresh, workspace } from './helpers.js';

/**
 * Replays three consecutive nights of the AlpacaEval 2 leaderboard (its dated CSVs) with
 * the length judge, as a nightly refresh would have seen them, and checks each snapshot
 * against what the CSVs say, computed here independently of the harness.
 */
const NIGHTS = ['2024-01-25', '2024-02-27', '2024-03-25'];
const NEXT = '2024-04-26';

/** The leaderboard a CSV stands for: its non-dev rows with a win rate, split by whether outputs exist. */
function expected(date: string) {
  const rows = leaderboardRows(historyCsv(date)).filter(
    (r) => r.mode !== 'dev' && Number.isFinite(r.winRate),
  );
  return {
    ranked: new Set(rows.filter((r) => hasOutputs(r.model)).map((r) => r.model)),
    noOutputs: rows.filter((r) => !hasOutputs(r.model)).map((r) => r.model),
    dev: leaderboardRows(historyCsv(date))
      .filter((r) => r.mode === 'dev')
      .map((r) => r.model),
    winRate: new Map(rows.map((r) => [r.model, r.winRate])),
  };
}

const sorted = (s: Iterable<string>) => [...s].sort();
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as LeaderboardSnapshot;

describe('bench refresh: replaying AlpacaEval 2 nights with the length judge', () => {
  const ws = workspace();
  const dir = join(ws.leaderboards, 'length');
  const night = (date: string, csvDate = date) =>
    refresh(ws, ['--judge', 'length', '--as-of', historyCsv(csvDate), '--date', date, '--json']);
  const outcomes: Record<string, { code: number; stdout: string; stderr: string }> = {};

  beforeAll(async () => {
    for (const date of NIGHTS) outcomes[date] = await night(date);
  }, 120_000);

  it('writes one snapshot per night, each listing exactly the models the CSV added since the night before', () => {
    let previous: ReturnType<typeof expected> | null = null;
    for (const date of NIGHTS) {
      const r = outcomes[date]!;
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as {
        status: string;
        date: string;
        changes: LeaderboardSnapshot['changes'];
      };
      expect(doc.status).toBe('updated');
      const snapshot = readJson(join(dir, `${date}.json`));
      const want = expected(date);
      expect(snapshot.date).toBe(date);
      expect(sorted(snapshot.models.map((m) => m.model))).toEqual(sorted(want.ranked));
      // every reference model without outputs (and every dev row) is listed as skipped
      const skipped = new Map(snapshot.skipped.map((s) => [s.model, s.reason]));
      for (const m of want.noOutputs) expect(skipped.get(m), m).toBe('no outputs in the source');
      for (const m of want.dev) expect(skipped.get(m), m).toMatch(/mode "dev"/);
      for (const m of snapshot.models) {
        expect(m.references.ae2).toBe(want.winRate.get(m.model));
        expect(m.rank).not.toBeNull();
      }
      expect(snapshot.correlations[0]!.n).toBe(want.ranked.size);
      expect(snapshot.references[0]!.file).toBe(historyCsv(date));
      if (previous === null) {
        expect(snapshot.changes).toBeNull();
        expect(snapshot.models.every((m) => m.since === date)).toBe(true);
      } else {
        const added = sorted([...want.ranked].filter((m) => !previous!.ranked.has(m)));
        const removed = sorted([...previous.ranked].filter((m) => !want.ranked.has(m)));
        expect(added.length).toBeGreaterThan(0);
        expect(snapshot.changes!.added).toEqual(added);
        expect(snapshot.changes!.removed).toEqual(removed);
        expect(snapshot.changes!.changed).toEqual([]);
        expect(snapshot.changes!.previousDate).toBe(NIGHTS[NIGHTS.indexOf(date) - 1]);
        for (const m of snapshot.models) expect(m.since === date, m.model).toBe(added.includes(m.model));
        const moved = [...want.winRate].filter(
          ([m, v]) => previous!.ranked.has(m) && want.ranked.has(m) && previous!.winRate.get(m) !== v,
        );
        expect(sorted(snapshot.changes!.referenceChanges.map((c) => c.model))).toEqual(
          sorted(moved.map(([m]) => m)),
        );
        expect(doc.changes).toEqual(snapshot.changes);
      }
      previous = want;
    }
  });

  it('keeps the history of every night and latest = the last night', async () => {
    const history = await loadHistory(dir, 'length');
    expect(history.snapshots.map((s) => s.date)).toEqual(NIGHTS);
    expect(readFileSync(join(dir, 'latest.json'), 'utf8')).toBe(
      readFileSync(join(dir, `${NIGHTS.at(-1)}.json`), 'utf8'),
    );
    expect(readFileSync(join(dir, 'latest.csv'), 'utf8')).toBe(
      readFileSync(join(dir, `${NIGHTS.at(-1)}.csv`), 'utf8'),
    );
    const csv = readFileSync(join(dir, `${NIGHTS[0]}.csv`), 'utf8')
      .trimEnd()
      .split('\n');
    expect(csv[0]).toBe('rank,model,score,se,n,parsed,unparsed,errors,mean_length,ae2,since,content_sha256');
    expect(csv).toHaveLength(1 + expected(NIGHTS[0]!).ranked.size);
    // no lock or temp file is left behind
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('rebuilt the site with a history page that shows every night', () => {
    const page = readFileSync(join(ws.site, 'history', 'length.html'), 'utf8');
    for (const date of NIGHTS) expect(page, date).toContain(date);
    expect(existsSync(join(ws.site, 'index.html'))).toBe(true);
    expect(readdirSync(ws.root).filter((f) => f.startsWith('.site'))).toEqual([]);
  });

  it('a second refresh of the same night writes nothing and says so', async () => {
    const before = {
      lb: fileState(ws.leaderboards),
      site: fileState(ws.site),
      runs: fileState(join(ws.root, '.bench', 'runs')),
    };
    const date = NIGHTS.at(-1)!;
    const again = await night(date);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`nothing new since ${date} .*no snapshot written`));
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'unchanged', date, repaired: [] });
    expect(fileState(ws.leaderboards)).toEqual(before.lb);
    expect(fileState(ws.site)).toEqual(before.site);
    expect(fileState(join(ws.root, '.bench', 'runs'))).toEqual(before.runs);
    // the same inputs on a later date are not new either
    const later = await night('2024-03-26', date);
    expect(later.code).toBe(0);
    expect(existsSync(join(dir, '2024-03-26.json'))).toBe(false);
  });

  it('refuses a date before the newest snapshot', async () => {
    const r = await night(NIGHTS[1]!);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /--date 2024-02-27 is before the newest snapshot \(2024-03-25\)/,
    );
  });

  it('a same-date refresh with something new replaces that date, with changes against the night before', async () => {
    const date = NIGHTS.at(-1)!;
    const r = await night(date, NEXT);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'updated', replaced: true, date });
    const history = await loadHistory(dir, 'length');
    expect(history.snapshots.map((s) => s.date)).toEqual(NIGHTS);
    const replaced = history.snapshots.at(-1)!;
    const want = expected(NEXT);
    const before = expected(NIGHTS[1]!);
    expect(sorted(replaced.models.map((m) => m.model))).toEqual(sorted(want.ranked));
    expect(replaced.changes!.previousDate).toBe(NIGHTS[1]);
    expect(replaced.changes!.added).toEqual(sorted([...want.ranked].filter((m) => !before.ranked.has(m))));
    expect(replaced.references[0]!.file).toBe(historyCsv(NEXT));
    expect(readFileSync(join(dir, 'latest.json'), 'utf8')).toBe(
      readFileSync(join(dir, `${date}.json`), 'utf8'),
    );
  });
});
