import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

export const AE = `${SHARED_DATA}/alpaca_eval`;
export const AE2_HISTORY = `${AE}/history/data_AlpacaEval_2`;

export function historyCsv(date: string): string {
  return `${AE2_HISTORY}/${date}_weighted_alpaca_eval_gpt4_turbo_leaderboard.csv`;
}

/** The dates of the dated AlpacaEval 2 leaderboard CSVs, oldest first. */
export function historyDates(): string[] {
  return readdirSync(AE2_HISTORY)
    .map((n) => /^(\d{4}-\d{2}-\d{2})_/.exec(n)?.[1])
    .filter((d): d is string => d !== undefined)
    .sort();
}

/** Rows of a leaderboard CSV: model id (unnamed first column), mode, win rate. */
export function leaderboardRows(
  file: string,
): { model: string; mode: string | undefined; winRate: number }[] {
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
  return rows.map((r) => ({ model: r['']!, mode: r.mode, winRate: Number(r.win_rate) }));
}

export function hasOutputs(model: string): boolean {
  return ['model_outputs.json', 'model_outputs.json.gz'].some((f) =>
    existsSync(join(AE, 'results', model, f)),
  );
}

/** A temp working folder with its own leaderboards/, site/ and .bench/. */
export function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'bench-refresh-'));
  return {
    root,
    leaderboards: join(root, 'leaderboards'),
    site: join(root, 'site'),
    env: { BENCH_HOME: join(root, '.bench') },
  };
}

export type Workspace = ReturnType<typeof workspace>;

/** `bench refresh` in `ws` with its folders and a small bootstrap. */
export function refresh(
  ws: Workspace,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
) {
  return runBench(
    ['refresh', '--leaderboards', ws.leaderboards, '--site', ws.site, '--bootstrap', '20', ...args],
    { env: { ...ws.env, ...env }, cwd: ws.root },
  );
}

/** Every file under `dir` with its content and mtime (for "nothing was written" checks). */
export function fileState(dir: string): Record<string, { content: string; mtimeMs: number }> {
  const out: Record<string, { content: string; mtimeMs: number }> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = { content: readFileSync(p, 'utf8'), mtimeMs: statSync(p).mtimeMs };
    }
  };
  walk(dir);
  return out;
}
