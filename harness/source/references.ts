import { resolve } from 'node:path';
import definitions from '../../leaderboards/references.json' with { type: 'json' };
import { BenchError, InputError } from '../core/errors.js';
import { readRegularFile, type SourceFiles } from './files.js';
import { parseScoreTable, type ScoreTable } from './leaderboard-csv.js';

/** A reference leaderboard: GPT-4-judged win rates the judge's ranking is compared with. */
export interface Reference extends ScoreTable {
  /** `ae1`, `ae2`, `ae2-lc`, or the CSV's path as given */
  readonly name: string;
  readonly label: string;
  /**
   * model id -> the standard error of its value (built-in references, read from
   * `errorColumn` when the score column is the built-in one); absent otherwise
   */
  readonly standardErrors?: ReadonlyMap<string, number>;
  readonly errorColumn?: string;
}

interface ReferenceDefinition {
  readonly label: string;
  readonly file: string;
  readonly column: string;
  /** the standard error of `column` (AlpacaEval: standard_error, lc_standard_error) */
  readonly errorColumn?: string;
  readonly excludeModes: readonly string[];
}

const BUILT_IN: Readonly<Record<string, ReferenceDefinition>> = definitions;
export const BUILT_IN_REFERENCES = Object.keys(BUILT_IN);

/** Where a built-in reference lives inside an alpaca_eval tree. */
export function builtInReferenceFile(name: string): string | undefined {
  return BUILT_IN[name]?.file;
}

/**
 * `ae1` / `ae2` / `ae2-lc` are read from the source; anything ending in `.csv` is a local
 * file (relative to `cwd`) whose score column is `column` (default `win_rate`).
 */
export async function loadReference(
  spec: string,
  context: { files: SourceFiles; cwd: string; column?: string },
): Promise<Reference> {
  const builtIn = BUILT_IN[spec];
  if (builtIn) {
    const bytes = await context.files.read(builtIn.file);
    const where = context.files.describe(builtIn.file);
    if (bytes === null) throw new InputError(where, `reference "${spec}" not found in the source`);
    const text = Buffer.from(bytes).toString('utf8');
    const column = context.column ?? builtIn.column;
    const table = parseScoreTable(text, where, { scoreColumn: column, excludeModes: builtIn.excludeModes });
    const errorColumn = column === builtIn.column ? builtIn.errorColumn : undefined;
    const errors =
      errorColumn !== undefined && hasColumn(text, errorColumn)
        ? parseScoreTable(text, where, { scoreColumn: errorColumn, excludeModes: builtIn.excludeModes })
            .scores
        : undefined;
    return {
      ...table,
      name: spec,
      label: builtIn.label,
      ...(errors ? { standardErrors: errors, errorColumn } : {}),
    };
  }
  if (!/\.csv$/i.test(spec)) {
    throw new BenchError(
      `unknown reference "${spec}": use ${BUILT_IN_REFERENCES.join(', ')} or the path of a leaderboard .csv file${suggest(spec)}`,
      { exitCode: 2 },
    );
  }
  return {
    ...(await readScoreCsv(resolve(context.cwd, spec), {
      scoreColumn: context.column ?? 'win_rate',
      excludeModes: ['dev'],
    })),
    name: spec,
    label: spec,
  };
}

export async function readScoreCsv(
  path: string,
  options: Parameters<typeof parseScoreTable>[2],
): Promise<ScoreTable> {
  const bytes = await readRegularFile(path);
  if (bytes === null) throw new InputError(path, 'file not found');
  const text = bytes.toString('utf8');
  return parseScoreTable(text, path, options);
}

/** Whether the CSV's header (its first line) names `column`; a file without it has no errors to read. */
function hasColumn(text: string, column: string): boolean {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return header.split(',').some((cell) => cell.trim().replace(/^"(.*)"$/, '$1') === column);
}

function suggest(spec: string): string {
  const near = BUILT_IN_REFERENCES.find(
    (n) => n.toLowerCase() === spec.toLowerCase().replace(/[^a-z0-9-]/g, ''),
  );
  return near ? ` (did you mean "${near}"?)` : '';
}
