import { parse } from 'csv-parse/sync';
import { InputError, errorMessage } from '../core/errors.js';
import { isSafePathSegment } from '../core/safe-name.js';

/** A per-model score table read from a CSV (a reference leaderboard, or scores to correlate). */
export interface ScoreTable {
  /** the file it came from */
  readonly file: string;
  readonly column: string;
  /** model id -> value, in file order */
  readonly scores: ReadonlyMap<string, number>;
  /** rows left out, with the reason (dev mode, no value, unsafe id, duplicate) */
  readonly excluded: readonly { model: string; reason: string }[];
}

export interface ScoreTableOptions {
  /** model id column; '' is the unnamed first column of AlpacaEval leaderboards */
  readonly modelColumn?: string;
  readonly scoreColumn: string;
  /** rows whose `mode` column has one of these values are left out */
  readonly excludeModes?: readonly string[];
}

export function parseScoreTable(text: string, file: string, options: ScoreTableOptions): ScoreTable {
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];
  } catch (e) {
    throw new InputError(file, `not a valid CSV file (${csvSyntaxProblem(e)})`);
  }
  const header = rows[0];
  if (!header) throw new InputError(file, 'empty CSV file');
  const modelColumn = options.modelColumn ?? '';
  const modelIdx = modelColumn === '' ? 0 : header.indexOf(modelColumn);
  if (modelIdx < 0)
    throw new InputError(file, `no column "${modelColumn}" (columns: ${listColumns(header)})`);
  const scoreIdx = header.indexOf(options.scoreColumn);
  if (scoreIdx < 0) {
    throw new InputError(file, `no column "${options.scoreColumn}" (columns: ${listColumns(header)})`);
  }
  const modeIdx = header.indexOf('mode');
  const exclude = new Set(options.excludeModes ?? []);
  const scores = new Map<string, number>();
  const excluded: { model: string; reason: string }[] = [];
  for (const row of rows.slice(1)) {
    const model = (row[modelIdx] ?? '').trim();
    if (model === '') continue;
    const mode = modeIdx >= 0 ? row[modeIdx] : undefined;
    if (mode !== undefined && exclude.has(mode)) {
      excluded.push({ model, reason: `mode "${mode}" is left out of the reference` });
    } else if (!isSafePathSegment(model)) {
      excluded.push({ model, reason: 'model id is not a safe path segment' });
    } else if (scores.has(model)) {
      excluded.push({ model, reason: 'duplicate row (the first one is used)' });
    } else {
      const raw = (row[scoreIdx] ?? '').trim();
      const value = raw === '' ? NaN : Number(raw);
      if (Number.isFinite(value)) scores.set(model, value);
      else excluded.push({ model, reason: `no numeric "${options.scoreColumn}" value` });
    }
  }
  return { file, column: options.scoreColumn, scores, excluded };
}

/**
 * csv-parse's problem and line without the input: its messages quote the offending field
 * (`value is "root:x:0"`), which must never reach a reason or a page.
 */
function csvSyntaxProblem(error: unknown): string {
  const title = /^([A-Za-z ]+):/.exec(errorMessage(error))?.[1]?.toLowerCase() ?? 'unreadable';
  const line = (error as { lines?: unknown }).lines;
  return typeof line === 'number' ? `${title} at line ${line}` : title;
}

function listColumns(header: readonly string[]): string {
  return header.map((h) => (h === '' ? '(unnamed)' : h)).join(', ');
}
