/**
 * The Auto-J paper's Table 24 (Auto-J's mean rating and GPT-4's AlpacaEval 1 win rate for
 * 53 open-source models), and how a run of this harness compares with it. The statistics
 * are computed here; the report's paper page only formats them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InputError, errorMessage } from '../../harness/core/errors.js';
import { rankScores } from '../../harness/aggregate/model-aggregate.js';
import { defaultReportsDir } from '../../harness/report/templates.js';
import { CORRELATIONS, type CorrelationName } from '../../harness/stats/correlation.js';

/** One row of the Auto-J paper's Table 24 (53 open-source AlpacaEval models). */
export interface PaperRow {
  readonly paperName: string;
  readonly alpacaEvalId: string;
  readonly autojMeanRating: number;
  readonly gpt4WinRate: number;
  readonly rankGpt4: number;
  readonly rankAutoj: number;
}

export interface PaperTable {
  /** where the table was read from (shown on the page) */
  readonly file: string;
  readonly rows: readonly PaperRow[];
}

/** The copy of the paper's Table 24 that ships with the report templates. */
export function bundledPaperFile(): string {
  return join(defaultReportsDir(), 'data', 'table24_alpacaeval_autoj_ratings.csv');
}

const PAPER_COLUMNS = [
  'paper_model_name',
  'alpaca_eval_id',
  'autoj_mean_rating',
  'gpt4_win_rate',
  'rank_gpt4',
  'rank_autoj',
];

/** Reads the paper's Table 24 CSV (columns as in ../shared/data/auto-j/paper/). */
export async function readPaperTable(file: string): Promise<PaperTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(file, `cannot read the paper table (${errorMessage(e)})`);
  }
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new InputError(file, `not a CSV file (${errorMessage(e)})`);
  }
  const missing = PAPER_COLUMNS.filter((c) => records.length > 0 && !(c in records[0]!));
  if (records.length === 0 || missing.length > 0) {
    throw new InputError(
      file,
      `expected columns ${PAPER_COLUMNS.join(', ')}${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
    );
  }
  const rows = records.map<PaperRow>((r, i) => {
    const numberOf = (c: string) => {
      const v = Number(r[c]);
      if (r[c] === '' || !Number.isFinite(v))
        throw new InputError(file, `row ${i + 2}: ${c} is not a number`);
      return v;
    };
    return {
      paperName: r.paper_model_name ?? '',
      alpacaEvalId: r.alpaca_eval_id ?? '',
      autojMeanRating: numberOf('autoj_mean_rating'),
      gpt4WinRate: numberOf('gpt4_win_rate'),
      rankGpt4: numberOf('rank_gpt4'),
      rankAutoj: numberOf('rank_autoj'),
    };
  });
  return { file, rows };
}

/** Spearman, Kendall tau-b and Pearson of paired values (no intervals: a 53-row table). */
export interface PaperCorrelation {
  readonly n: number;
  readonly spearman: number | null;
  readonly kendall: number | null;
  readonly pearson: number | null;
}

/** The table beside a run's scores for its models. */
export interface PaperComparison {
  /** the table's rows in GPT-4 rank order */
  readonly rows: readonly PaperRow[];
  /** per row: the run's score for the model, null when the run did not rate it */
  readonly scores: readonly (number | null)[];
  /** per row: the rank of that score among the rated rows of the table */
  readonly ranks: readonly (number | null)[];
  /** the paper's own Auto-J rating against the GPT-4 win rate */
  readonly paper: PaperCorrelation;
  /** over the rows the run rated: its score against the GPT-4 win rate, and against the paper's rating */
  readonly run: { readonly gpt4: PaperCorrelation; readonly paper: PaperCorrelation } | null;
}

function correlation(x: readonly number[], y: readonly number[]): PaperCorrelation {
  const value = (name: CorrelationName) => CORRELATIONS[name](x, y).value;
  return { n: x.length, spearman: value('spearman'), kendall: value('kendall'), pearson: value('pearson') };
}

/**
 * Table 24 against a run's scores by AlpacaEval id (`undefined`: no run). Models the run
 * did not rate (or rated null) are left out of the run's correlations and ranks.
 */
export function comparePaperTable(
  table: PaperTable,
  scores: ReadonlyMap<string, number | null> | undefined,
): PaperComparison {
  const rows = [...table.rows].sort((a, b) => a.rankGpt4 - b.rankGpt4);
  const measured = rows.map((r) => {
    const s = scores?.get(r.alpacaEvalId);
    return typeof s === 'number' && Number.isFinite(s) ? s : null;
  });
  const matched = rows.flatMap((r, i) => (measured[i] !== null ? [{ r, score: measured[i]! }] : []));
  return {
    rows,
    scores: measured,
    ranks: rankScores(measured),
    paper: correlation(
      rows.map((r) => r.autojMeanRating),
      rows.map((r) => r.gpt4WinRate),
    ),
    run: scores
      ? {
          gpt4: correlation(
            matched.map((m) => m.score),
            matched.map((m) => m.r.gpt4WinRate),
          ),
          paper: correlation(
            matched.map((m) => m.score),
            matched.map((m) => m.r.autojMeanRating),
          ),
        }
      : null,
  };
}
